"""Top floor: Definitions, gates, schedules, sensors and automation. Imports the stages."""
