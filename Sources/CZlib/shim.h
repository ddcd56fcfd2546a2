#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

/* Debian's zlib1g-dev; the client inflates gzip record batches with it (Kafka's gzip codec is plain gzip). */
#include <zlib.h>

/* inflateInit2 is a macro over inflateInit2_; Swift cannot call macros with arguments. */
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    /* 15 + 16: a gzip header and trailer (not zlib's), 32 KiB window. */
    return inflateInit2(stream, 15 + 16);
}

#endif
