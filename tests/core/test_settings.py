import pytest

from assets.core.settings import ConfigError, load_params, load_settings, load_sources


def test_repository_defaults_load():
    settings = load_settings("params.yaml", "sources.yaml", "data")
    assert settings.params.ingest.max_quarantine_fraction == 0.05
    assert {s.name for s in settings.sources}


def test_unknown_param_names_file_and_key(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("train:\n  max_iter: 10\n")
    with pytest.raises(ConfigError) as exc:
        load_params(path)
    assert str(path) in str(exc.value) and "train.max_iter" in str(exc.value)


def test_bad_param_type_names_key(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("train:\n  learning_rate: fast\n")
    with pytest.raises(ConfigError, match="train.learning_rate"):
        load_params(path)


def test_malformed_yaml_names_file(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_params(path)


def test_unknown_format_names_the_source(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: press, uri: 'x/*.doc', format: doc, rights: train, pii: none}\n")
    with pytest.raises(ConfigError) as exc:
        load_sources(path)
    assert "sources[press].format" in str(exc.value)


def test_missing_key_and_duplicate_names(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: a, uri: 'x', format: txt, pii: none}\n")
    with pytest.raises(ConfigError, match=r"sources\[a\]\.rights"):
        load_sources(path)
    path.write_text("sources:\n  - {name: a, uri: x, format: txt, rights: train, pii: none}\n  - {name: a, uri: y, format: txt, rights: train, pii: none}\n")
    with pytest.raises(ConfigError, match="appears twice"):
        load_sources(path)


def test_relative_uris_resolve_against_the_sources_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: a, uri: 'landing/*.txt', format: txt, rights: train, pii: none}\n")
    assert load_sources(path).sources[0].uri == str(tmp_path / "landing/*.txt")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_params(tmp_path / "nope.yaml")


def test_an_entities_mapping_is_validated_naming_the_source_and_key(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: catalog\n    uri: 'x/*.csv'\n    format: csv\n    rights: train\n    pii: none\n"
                    "    entities: {id: Code, name: Name, type: product, links: {Main Material: {type: Material}}}\n")
    with pytest.raises(ConfigError) as exc:
        load_sources(path)
    assert "sources[catalog].entities.links.Main Material" in str(exc.value) and "lowercase" in str(exc.value)
    path.write_text(path.read_text().replace("{type: Material}", "material"))
    mapping = load_sources(path).sources[0].entities
    assert mapping.relations() == {"Main Material": "has_material"} and mapping.row_types() == ["product"]


def test_the_sample_declares_its_graph_mapping():
    sources = {s.name: s for s in load_sources("sources.yaml").sources}
    assert sources["catalog"].entities.relations()["materials"] == "made_of"
    assert sources["reference"].entities.questions is False and "material" in sources["reference"].entities.row_types()
    assert [name for name, s in sources.items() if s.entities] == ["catalog", "reference"]
