"""One end-to-end read through PyAirbyte: `calllogs-airbyte` as a
`local_executable` source, checked, read into PyAirbyte's local DuckDB
cache, and the cached keys printed as JSON for the Rust test.

usage: pyairbyte_read.py EXECUTABLE CONFIG_FILE CACHE_DIR
"""

import json
import sys

import airbyte as ab


def main():
    executable, config_file, cache_dir = sys.argv[1:4]
    config = json.load(open(config_file))
    source = ab.get_source(
        "source-calllogs",
        config=config,
        local_executable=executable,
        install_if_missing=False,
    )
    source.check()
    source.select_all_streams()
    cache = ab.new_local_cache("calllogs_e2e", cache_dir=cache_dir)
    result = source.read(cache=cache)
    rows = cache["calls"].to_pandas()
    keys = sorted(zip(rows["provider"], rows["account"], rows["id"]))
    print(json.dumps({"processed": result.processed_records, "keys": keys}))


if __name__ == "__main__":
    main()
