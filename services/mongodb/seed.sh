#!/bin/bash
# Run once by the official mongo image's entrypoint, on an empty data directory, against
# its temporary local server: upstream's seed, test.ratings = {rating: 5}, {rating: 4}.
set -euo pipefail
mongoimport --host 127.0.0.1 --db test --collection ratings --drop \
    --file /opt/bookinfo/ratings_data.json
