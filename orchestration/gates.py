"""Gates: each stage's Gate (assets/core/gate.py) as a blocking asset check.

The check validates the run's staged artifact with the stage's Great Expectations suites and
publishes it only if every suite passes (write, audit, publish). A failure names the failed
expectations in the check's metadata and in the run's log, fails the check, and so stops every
downstream asset of the run; the published artifact stays the last good one. Either way the
check then gives back the run's lease on the stage's partitions (assets/core/staging.py).
"""


import json

import dagster as dg
import pandas as pd

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import table
from assets.core.staging import close_area, holds, staged_partition_keys
from assets.core.gate import Gate
from orchestration import gx


def gate_check(gate: Gate) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=gate.asset,
        name=f"{gate.stage}_gate",
        blocking=True,
        description=f"Great Expectations gate: {gate.description}. Publishes the staged artifact when it passes.",
    )
    def _check(context: dg.AssetCheckExecutionContext, atelier: AtelierSettings) -> dg.AssetCheckResult:
        settings = atelier.load()
        area = settings.storage.staging(gate.stage, context.run.run_id)
        keys = staged_partition_keys(area)
        tables = gate.tables(area, settings, keys)
        parameters = gate.parameters(settings)
        outcomes = [gx.validate(suite, table, parameters) for suite, table in tables.items()]
        passed = all(o.success for o in outcomes)
        failures = [f"{o.suite}: {f.describe()}" for o in outcomes for f in o.failed]
        failing_rows = {o.suite: offending_rows(tables[o.suite], o) for o in outcomes if not o.success}
        if passed:
            if not holds(settings.storage, gate.stage, keys, context.run.run_id):
                raise dg.Failure(f"{gate.stage}: this run no longer holds its lease on {keys or 'the stage'} "
                                 "(another run took it over): nothing published")
            settings.storage.publish(area, gate.outputs(settings, keys))
        else:
            context.log.error(
                f"{gate.stage} gate FAILED, artifact not published; failed expectations: " + "; ".join(failures)
                + "; offending rows: " + json.dumps(failing_rows, default=str)[:4000]
            )
        close_area(settings.storage, gate.stage, context.run.run_id, keys)  # the staged area of a failed gate stays until reclaimed
        rows = [
            {"suite": o.suite, "expectation": x.describe(), "passed": x.success}
            for o in outcomes
            for x in o.outcomes
        ]
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=("failed: " + "; ".join(failures)) if failures else "all expectations passed",
            metadata={
                "suites": dg.MetadataValue.json({o.suite: {"success": o.success, "rows": o.rows} for o in outcomes}),
                "expectations": table(rows),
                "failed_expectations": dg.MetadataValue.json(failures),
                "failing_rows": dg.MetadataValue.json(failing_rows),
                "parameters": dg.MetadataValue.json(parameters),
                "published": passed,
                "data_docs": dg.MetadataValue.path(str(gx.data_docs_index())),
                "suite_files": dg.MetadataValue.json([str(gx.suite_path(o.suite).relative_to(gx.EXPECTATIONS_DIR.parent)) for o in outcomes]),
            },
        )

    return _check


def offending_rows(table: pd.DataFrame, outcome: gx.SuiteOutcome, limit: int = 10) -> list[dict]:
    """The rows behind a failed suite: those holding an unexpected value of a failed expectation
    (the whole table when the failure is about the table itself, up to `limit` rows)."""
    rows = pd.DataFrame()
    for failed in outcome.failed:
        column = failed.kwargs.get("column") or failed.kwargs.get("column_A")
        if column in table.columns and failed.unexpected_sample:
            sample = [tuple(v)[0] if isinstance(v, (list, tuple)) else v for v in failed.unexpected_sample]
            rows = pd.concat([rows, table[table[column].isin(sample)]])
        else:
            rows = pd.concat([rows, table])
    return json.loads(rows.head(limit).to_json(orient="records", default_handler=str)) if len(rows) else []


def gate_checks(gates: list[Gate]) -> list[dg.AssetChecksDefinition]:
    return [gate_check(gate) for gate in gates]
