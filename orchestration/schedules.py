"""When the chain refreshes: nightly for every source, and whenever a source's files change.

Only the raw stage is scheduled or sensed; the rest of the chain follows by declarative
automation (eager conditions on the downstream assets).
"""


import dagster as dg

from assets.core.settings import load_settings
from assets.raw.defs import SOURCES, raw_documents

raw_job = dg.define_asset_job("raw_refresh", selection=dg.AssetSelection.assets(raw_documents))


@dg.schedule(job=raw_job, cron_schedule="0 2 * * *", execution_timezone="UTC", description="Refresh every source nightly.")
def nightly_refresh(context: dg.ScheduleEvaluationContext):
    for key in SOURCES.get_partition_keys():
        yield dg.RunRequest(run_key=f"{key}-{context.scheduled_execution_time:%Y-%m-%d}", partition_key=key)


@dg.sensor(job=raw_job, minimum_interval_seconds=60, description="Re-ingest a source when files under its uri are new or changed.")
def source_file_sensor(context: dg.SensorEvaluationContext):
    from assets.raw.fingerprint import source_fingerprint

    settings = load_settings()
    for source in settings.sources:
        fingerprint = source_fingerprint(source)
        yield dg.RunRequest(run_key=f"{source.name}-{fingerprint}", partition_key=source.name)
