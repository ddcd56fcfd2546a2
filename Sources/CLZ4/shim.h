#ifndef CLZ4_SHIM_H
#define CLZ4_SHIM_H

/* Debian's liblz4-dev: Kafka's lz4 codec is the standard LZ4 frame format (lz4frame.h), not raw LZ4 blocks. */
#include <lz4frame.h>

#endif
