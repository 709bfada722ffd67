"""The house's vocabulary: invented, distinctive names, so a knowledge graph and quiz questions
can be built from them and a redactor can tell them from people's names."""

# (id, name, aliases, origin, quality) — origin and quality feed the prose.
MATERIALS = [
    ("lune-silk-twill", "Lune silk twill", ["Lune twill"], "Como", "a dense twill that holds a printed line"),
    ("ardoise-calfskin", "Ardoise calfskin", ["Ardoise leather"], "the Dauphiné", "a smooth box calf with a slate sheen"),
    ("brume-cashmere", "Brume cashmere", ["Brume knit"], "Inner Mongolia", "a two-ply fibre brushed to a mist"),
    ("sable-vicuna", "Sable vicuña", ["Sable vicuna"], "the Andes", "the rarest fleece the house works"),
    ("corail-lambskin", "Corail lambskin", ["Corail nappa"], "Aragon", "a supple nappa dyed through"),
    ("givre-linen", "Givre linen", ["Givre flax"], "Normandy", "a crisp flax with a frosted hand"),
    ("ambre-alligator", "Ambre alligator", ["Ambre croc"], "Louisiana", "a glazed hide polished with agate"),
    ("nacre-satin", "Nacre silk satin", ["Nacre satin"], "Lyon", "a heavy satin with a pearly face"),
    ("orage-tweed", "Orage tweed", ["Orage bouclé"], "the Scottish Borders", "a bouclé tweed woven with storm greys"),
    ("perle-alpaca", "Perle alpaca", ["Perle baby alpaca"], "Arequipa", "a baby alpaca lighter than wool"),
    ("cendre-suede", "Cendre suede", ["Cendre velour"], "Tuscany", "a velour suede with an ash nap"),
    ("miel-grained-calf", "Miel grained calf", ["Miel grain"], "Alsace", "a pebbled calf that resists scratches"),
    ("opale-organza", "Opale organza", ["Opale silk organza"], "Suzhou", "a sheer silk organza with a shifting glow"),
    ("ebene-ostrich", "Ébène ostrich", ["Ebene ostrich"], "the Little Karoo", "an ostrich hide with full quill marks"),
    ("sillage-mohair", "Sillage mohair", ["Sillage kid mohair"], "the Eastern Cape", "a kid mohair with a long lustre"),
    ("doree-lizard", "Dorée lizard", ["Doree lizard"], "Java", "a fine-scaled lizard with a gilded finish"),
    ("velin-cotton", "Vélin cotton poplin", ["Velin poplin"], "the Veneto", "a long-staple poplin as smooth as paper"),
    ("tourbe-shearling", "Tourbe shearling", ["Tourbe sheepskin"], "Tuscany", "a double-face shearling the colour of peat"),
]

TECHNIQUES = [
    ("point-sellier", "Point sellier saddle stitch", ["point sellier", "saddle stitching"], "two needles pass through each hole so that a cut thread never unravels the seam"),
    ("ombra-hem", "Ombra hand-rolled hem", ["Ombra hem", "hand rolling"], "the edge is rolled towards the front and sewn with stitches hidden in the roll"),
    ("filigrana", "Filigrana embroidery", ["Filigrana"], "metal thread is couched by hand over a paper template"),
    ("vernis-edge", "Vernis edge painting", ["Vernis edging", "edge painting"], "the raw edge is sanded, dyed and waxed in up to seven coats"),
    ("tessuto-jacquard", "Tessuto jacquard", ["Tessuto weave"], "each pattern is punched into the loom card by card"),
    ("plisse-soleil", "Plissé Soleil", ["sunray pleating", "Soleil pleats"], "the cloth is folded between two paper moulds and set by steam"),
    ("marqueterie-paille", "Marqueterie de paille", ["straw marquetry"], "split rye straw is ironed flat and laid strand by strand"),
    ("gaufrage-ardent", "Gaufrage Ardent", ["Ardent embossing"], "a heated brass plate presses the motif into the leather"),
    ("ajoure-lumiere", "Ajouré Lumière", ["Lumière openwork"], "the motif is cut by hand and the edges are bound with silk"),
    ("trapunto-nuvola", "Trapunto Nuvola", ["Nuvola quilting"], "cotton wadding is pushed into the channels from the back"),
    ("fil-tire", "Fil tiré Nocturne", ["drawn-thread work"], "threads are pulled from the weave and the rest are bundled with a needle"),
    ("bourrelet-roule", "Bourrelet roulé", ["rolled bourrelet"], "a leather strip is turned over a cord and stitched shut"),
    ("tinta-mano", "Tinta a mano", ["hand dyeing"], "each hide is brushed with dye by hand and left to rest overnight"),
    ("intreccio-vela", "Intreccio Vela", ["Vela weave"], "leather strips are woven by hand on a wooden form"),
]

# (id, name, aliases, designer id, year, inspiration)
COLLECTIONS = [
    ("riviera-nocturne", "Riviera Nocturne", ["Nocturne"], "ottavia-lenzi", 2021, "the Riviera after midnight"),
    ("aube-claire", "Aube Claire", ["Aube"], "mathis-aubret", 2022, "the first light over the Loire"),
    ("atlas-mineral", "Atlas Minéral", ["Atlas"], "ines-varenne", 2019, "stones collected in the Atlas mountains"),
    ("solstice-hiver", "Solstice d'Hiver", ["Solstice"], "ottavia-lenzi", 2023, "the longest night of the year"),
    ("maree-haute", "Marée Haute", ["Marée"], "mathis-aubret", 2020, "tides on the Breton coast"),
    ("jardin-secret", "Jardin Secret", ["Jardin"], "ines-varenne", 2024, "a walled garden in Grasse"),
    ("sirocco", "Sirocco", ["Sirocco line"], "lorenzo-castaldi", 2018, "the hot wind that reaches Sicily"),
    ("carta-bianca", "Carta Bianca", ["Carta"], "lorenzo-castaldi", 2025, "the blank page of an architect's notebook"),
    ("ondine", "Ondine", ["Ondine line"], "helene-marchetti", 2017, "water spirits in old Rhine tales"),
    ("boreale", "Boréale", ["Boreale"], "helene-marchetti", 2026, "the northern lights over Tromsø"),
]

# (id, name, aliases, born city, signature)
DESIGNERS = [
    ("ottavia-lenzi", "Ottavia Lenzi", ["Lenzi"], "Bologna", "architectural drape"),
    ("mathis-aubret", "Mathis Aubret", ["Aubret"], "Nantes", "sailcloth tailoring"),
    ("ines-varenne", "Inès Varenne", ["Varenne"], "Marseille", "mineral colour"),
    ("lorenzo-castaldi", "Lorenzo Castaldi", ["Castaldi"], "Naples", "graphic cut-outs"),
    ("helene-marchetti", "Hélène Marchetti", ["Marchetti"], "Geneva", "fluid pleats"),
]

# (id, name, aliases, city, founded)
WORKSHOPS = [
    ("atelier-pantin", "Atelier Pantin", ["Pantin workshop"], "Pantin", 1927),
    ("manifattura-scandicci", "Manifattura Scandicci", ["Scandicci workshop"], "Scandicci", 1954),
    ("atelier-tanneurs", "Atelier des Tanneurs", ["Tanneurs"], "Lyon", 1898),
    ("filanda-como", "Filanda di Como", ["Como mill"], "Como", 1936),
    ("atelier-bellechasse", "Atelier Bellechasse", ["Bellechasse"], "Paris", 1911),
    ("laboratorio-brenta", "Laboratorio Brenta", ["Brenta workshop"], "Stra", 1968),
    ("atelier-sologne", "Atelier de Sologne", ["Sologne workshop"], "Romorantin", 1979),
    ("tessitura-biella", "Tessitura Biella", ["Biella mill"], "Biella", 1921),
]

# (id, name, aliases, city, street)
BOUTIQUES = [
    ("paris-faubourg", "Maison Faubourg", ["Faubourg boutique"], "Paris", "rue du Faubourg Saint-Honoré"),
    ("milano-spiga", "Boutique Spiga", ["Spiga boutique"], "Milano", "via della Spiga"),
    ("london-bond", "Bond Street House", ["Bond Street boutique"], "London", "New Bond Street"),
    ("newyork-madison", "Madison Salon", ["Madison boutique"], "New York", "Madison Avenue"),
    ("roma-condotti", "Boutique Condotti", ["Condotti boutique"], "Roma", "via dei Condotti"),
    ("monaco-casino", "Salon Casino", ["Monte-Carlo boutique"], "Monaco", "avenue des Beaux-Arts"),
    ("lyon-brotteaux", "Maison Brotteaux", ["Brotteaux boutique"], "Lyon", "boulevard des Brotteaux"),
]

# Invented stems for product names; with ITEMS they give distinctive names ("Vellora tote").
STEMS = [
    "Vellora", "Castellane", "Ondel", "Mirabeau", "Sauvane", "Talise", "Corvine", "Estelle", "Lisière",
    "Parvane", "Alcôve", "Brisante", "Calanque", "Dorine", "Esquisse", "Fauvel", "Galathée", "Hermine",
    "Isoline", "Jadeval", "Korali", "Lavande", "Mistrale", "Nerolia", "Orsanne", "Palmyre", "Quillane",
    "Rosalba", "Serafine", "Tiberine", "Ulvane", "Valmonde", "Wisteria", "Xandre", "Ysolde", "Zephyrine",
    "Amarande", "Belcanto", "Ciprena", "Delfina", "Emeraude", "Florisse", "Gioconda", "Halcyon", "Iridane",
    "Juliette", "Kalimera", "Lucerna", "Marzolla", "Nivéole", "Opaline", "Perséa", "Rivolta", "Solvane",
]
# (item, category, unit hours low, high)
ITEMS = [
    ("tote", "bag", 12, 22), ("clutch", "bag", 8, 14), ("shoulder bag", "bag", 14, 25), ("saddle bag", "bag", 15, 24),
    ("bucket bag", "bag", 10, 18), ("carré", "silk", 6, 30), ("scarf", "silk", 5, 12), ("stole", "knit", 6, 14),
    ("blazer", "tailoring", 20, 40), ("trench coat", "tailoring", 25, 45), ("cardigan", "knit", 8, 16),
    ("loafer", "shoe", 9, 15), ("ankle boot", "shoe", 12, 20), ("belt", "leather goods", 3, 6),
    ("wallet", "leather goods", 4, 8), ("card holder", "leather goods", 2, 4), ("gloves", "leather goods", 3, 6),
    ("evening dress", "couture", 60, 180), ("pleated skirt", "couture", 18, 40), ("cape", "tailoring", 22, 38),
]

FIRST = {
    "fr": ["Camille", "Amélie", "Claire", "Hugo", "Louis", "Chloé", "Mathilde", "Antoine", "Juliette", "Bastien",
           "Élise", "Théo", "Margaux", "Raphaël", "Solène", "Gaspard", "Léa", "Victor", "Apolline", "Timothée"],
    "it": ["Giulia", "Marco", "Lorenzo", "Elena", "Francesca", "Alessandro", "Chiara", "Matteo", "Beatrice", "Tommaso",
           "Sofia", "Riccardo", "Ginevra", "Federico", "Martina", "Davide", "Ludovica", "Pietro", "Alessia", "Niccolò"],
    "uk": ["Oliver", "Charlotte", "Harry", "Amelia", "George", "Isla", "Jack", "Florence", "William", "Imogen",
           "Henry", "Beatrice", "Edward", "Harriet", "Alfie", "Rosie", "Archie", "Poppy", "Hugo", "Matilda"],
    "us": ["Madison", "Ethan", "Olivia", "Mason", "Avery", "Logan", "Harper", "Carter", "Abigail", "Jackson",
           "Emily", "Hunter", "Addison", "Wyatt", "Brooklyn", "Grayson", "Natalie", "Caleb", "Savannah", "Nolan"],
}
LAST = {
    "fr": ["Moreau", "Laurent", "Dubois", "Fontaine", "Lefèvre", "Girard", "Mercier", "Chevalier", "Bonnet", "Rousseau",
           "Garnier", "Faure", "Blanchard", "Perrin", "Morel", "Lemaire", "Guérin", "Barbier", "Renaud", "Aubry"],
    "it": ["Bianchi", "Rossi", "Ricci", "Marino", "Greco", "Colombo", "Bruno", "Galli", "Conti", "De Luca",
           "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Caruso"],
    "uk": ["Clarke", "Hughes", "Whitfield", "Ashworth", "Pemberton", "Holloway", "Kensington", "Fairfax", "Blackwood",
           "Thornton", "Wainwright", "Hargreaves", "Sinclair", "Lockwood", "Ramsay", "Fletcher", "Gresham", "Ellison",
           "Marlowe", "Cavendish"],
    "us": ["Carter", "Sullivan", "Brooks", "Bennett", "Hayes", "Reynolds", "Porter", "Griffin", "Harrison", "Coleman",
           "Bryant", "Whitman", "Foster", "Sanders", "Palmer", "Dawson", "Russell", "Spencer", "Walsh", "Keller"],
}
MAIL_DOMAINS = {
    "fr": ["orange.fr", "free.fr", "gmail.com", "laposte.net", "wanadoo.fr", "icloud.com"],
    "it": ["libero.it", "gmail.com", "virgilio.it", "tiscali.it", "fastwebnet.it", "icloud.com"],
    "uk": ["btinternet.com", "gmail.com", "outlook.com", "yahoo.co.uk", "sky.com", "icloud.com"],
    "us": ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "comcast.net"],
}
STREETS = {
    "fr": [("rue des Saints-Pères", "75007", "Paris"), ("avenue Montaigne", "75008", "Paris"),
           ("rue Saint-Dominique", "75007", "Paris"), ("cours Mirabeau", "13100", "Aix-en-Provence"),
           ("rue Édouard-Herriot", "69002", "Lyon"), ("allée des Tilleuls", "33000", "Bordeaux"),
           ("boulevard Victor-Hugo", "06000", "Nice"), ("rue de la Paix", "67000", "Strasbourg")],
    "it": [("Via della Spiga", "20121", "Milano"), ("Corso Venezia", "20121", "Milano"),
           ("Via Margutta", "00187", "Roma"), ("Via de' Tornabuoni", "50123", "Firenze"),
           ("Via Roma", "10121", "Torino"), ("Riva degli Schiavoni", "30122", "Venezia"),
           ("Via Toledo", "80134", "Napoli"), ("Via Farini", "40124", "Bologna")],
    "uk": [("Marylebone High Street", "W1U 4NX", "London"), ("Elgin Crescent", "W11 2JD", "London"),
           ("Royal Crescent", "BA1 2LR", "Bath"), ("Park Lane", "W1K 7AA", "London"),
           ("Heriot Row", "EH3 6HP", "Edinburgh"), ("Clifton Park", "BS8 3BX", "Bristol")],
    "us": [("East 64th Street", "NY 10065", "New York"), ("Beacon Street", "MA 02108", "Boston"),
           ("North Rodeo Drive", "CA 90210", "Beverly Hills"), ("Lake Shore Drive", "IL 60611", "Chicago"),
           ("Worth Avenue", "FL 33480", "Palm Beach"), ("Pacific Avenue", "CA 94115", "San Francisco")],
}
ADVISORS = ["Camille R.", "Sofia B.", "Henry W.", "Mathilde G.", "Pietro L.", "Avery K.", "Solène D.", "Marco T."]
