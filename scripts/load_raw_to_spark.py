"""Load a raw directory in the contract layout into local Spark, the way an EL tool lands it.

`<dir>/crm/*.csv`, `<dir>/billing/*.csv` and `<dir>/finance/*.csv` become the Parquet tables
`raw_crm.<file>`, `raw_billing.<file>` and `raw_finance.<file>`: every column a string (staging
casts each one), plus `_loaded_at`, a load timestamp that increases with the file's row order, so
that the project's `raw_loaded_at_column: _loaded_at` orders duplicate rows as the files do (the
same contract as scripts/load_raw_to_postgres.py). Each table is replaced.

    python -m scripts.load_raw_to_spark [--raw-dir data/demo]

The Spark session is built from the `server_side_parameters` of the profile's `spark` output
(rendered with the same environment variables as dbt's), so the tables land in the warehouse
directory and Derby metastore that `dbt --target spark` opens afterwards (DBT_SPARK_DIR,
default target/spark). Derby admits one process at a time: run this before dbt, not beside it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import yaml

from scripts.raw_files import (
    LOADED_AT_COLUMN,
    REPO,
    LoadedTable,
    csv_header,
    loader_arguments,
    raw_csv_files,
    report,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PROFILE = "revops_warehouse"


def profiles_path() -> Path:
    return Path(os.environ.get("DBT_PROFILES_DIR", REPO / ".dbt")) / "profiles.yml"


def spark_conf(
    output: str = "spark", path: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The profile output's server_side_parameters, with `env_var()` rendered as dbt does."""
    profile = yaml.safe_load((path or profiles_path()).read_text(encoding="utf-8"))
    parameters: Mapping[str, object] = profile[PROFILE]["outputs"][output]["server_side_parameters"]
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    variables = os.environ if environ is None else environ

    def env_var(name: str, default: str | None = None) -> str:
        value = variables.get(name, default)
        if value is None:
            raise KeyError(f"environment variable {name} is not set")
        return value

    return {
        key: environment.from_string(str(value)).render(env_var=env_var)
        for key, value in parameters.items()
    }


def spark_session(conf: Mapping[str, str]) -> SparkSession:
    """The session dbt-spark's session method builds: Hive catalog, the profile's parameters."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def load_table(spark: SparkSession, schema: str, path: Path, loaded_at: datetime) -> LoadedTable:
    """Replace `schema.<file stem>` with the file's rows (all strings) and their load times."""
    from pyspark.sql import Window
    from pyspark.sql import functions as f
    from pyspark.sql.types import StringType, StructField, StructType

    columns = csv_header(path)
    frame = (
        spark.read.schema(StructType([StructField(name, StringType()) for name in columns]))
        # RFC 4180 like the other loaders: "" escapes a quote; a file is one partition, so the
        # row order is the file's; a malformed row fails the load instead of being patched.
        .options(header=True, multiLine=True, escape='"', encoding="UTF-8", mode="FAILFAST")
        .csv(str(path.resolve()))
    )
    start_micros = int(loaded_at.timestamp() * 1_000_000)
    position = f.row_number().over(Window.orderBy(f.monotonically_increasing_id()))
    frame = frame.select(
        *columns, f.timestamp_micros(f.lit(start_micros) + position).alias(LOADED_AT_COLUMN)
    )
    spark.sql(f"create schema if not exists `{schema}`")
    frame.write.format("parquet").mode("overwrite").saveAsTable(f"`{schema}`.`{path.stem}`")
    rows = spark.table(f"`{schema}`.`{path.stem}`").count()
    return LoadedTable(schema, path.stem, rows)


def load_raw_dir(
    spark: SparkSession, raw_dir: Path, schema_prefix: str = "raw_"
) -> list[LoadedTable]:
    """Load every `<source>/*.csv` of `raw_dir`; returns what was loaded, in load order."""
    files = raw_csv_files(raw_dir, schema_prefix)
    loaded_at = datetime.now(UTC)
    return [load_table(spark, schema, path, loaded_at) for schema, path in files]


def main(argv: list[str] | None = None) -> int:
    parser = loader_arguments(__doc__.splitlines()[0])
    parser.add_argument("--output", default="spark", help="the profile output to read")
    args = parser.parse_args(argv)
    started = time.monotonic()
    spark = spark_session(spark_conf(args.output))
    try:
        loaded = load_raw_dir(spark, args.raw_dir, args.schema_prefix)
    finally:
        spark.stop()
    report(loaded, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
