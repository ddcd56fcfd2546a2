#!/usr/bin/env bash
# Regenerates the Kafka message codecs from Sources/KafkaProtocol/Schema/*.schema into
# Sources/KafkaProtocol/Messages/Generated/, and the test samples into Tests/KafkaProtocolTests/Messages/Generated/.
# Commit the schema and the generated files together: KafkaProtocolTests fails while they disagree.
# SCRATCH_PATH overrides the build directory (default: .build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh
source "$ROOT/scripts/_common.sh"

SCRATCH_PATH="${SCRATCH_PATH:-$ROOT/.build}"
swift build --scratch-path "$SCRATCH_PATH" --product gregor-protocol-gen
"$SCRATCH_PATH/debug/gregor-protocol-gen" \
    Sources/KafkaProtocol/Schema \
    Sources/KafkaProtocol/Messages/Generated \
    Tests/KafkaProtocolTests/Messages/Generated
