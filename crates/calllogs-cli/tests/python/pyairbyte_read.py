"""One end-to-end read through PyAirbyte: calllogs as a source, checked,
read into PyAirbyte's local DuckDB cache, and the cached keys and the SQL type
PyAirbyte gives each field printed as JSON for the Rust test.

usage: pyairbyte_read.py (EXECUTABLE | --docker-image IMAGE) CONFIG_FILE CACHE_DIR

EXECUTABLE is `calllogs-airbyte` run as a `local_executable`; IMAGE is the
connector image, which PyAirbyte runs with `docker run`.
"""

import argparse
import json

import airbyte as ab
from airbyte.types import SQLTypeConverter


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--docker-image")
    p.add_argument("args", nargs="+")
    a = p.parse_args()
    if a.docker_image:
        config_file, cache_dir = a.args
        where = {"docker_image": a.docker_image, "use_host_network": True}
    else:
        executable, config_file, cache_dir = a.args
        where = {"local_executable": executable}
    config = json.load(open(config_file))
    source = ab.get_source(
        "source-calllogs",
        config=config,
        install_if_missing=False,
        **where,
    )
    source.check()
    source.select_all_streams()
    cache = ab.new_local_cache("calllogs_e2e", cache_dir=cache_dir)
    result = source.read(cache=cache)
    rows = cache["calls"].to_pandas()
    keys = sorted(zip(rows["provider"], rows["account"], rows["id"]))
    # The SQL type PyAirbyte gives each field (a JSON column where its
    # schema says object; text where it cannot tell).
    convert = SQLTypeConverter()
    props = source.get_stream_json_schema("calls")["properties"]
    types = {k: type(convert.to_sql_type(v)).__name__ for k, v in props.items()}
    print(json.dumps({"processed": result.processed_records, "keys": keys, "types": types}))


if __name__ == "__main__":
    main()
