#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

/* Debian's zlib1g-dev, for Kafka's gzip codec (a plain gzip stream, as java.util.zip.GZIPOutputStream writes). */
#include <zlib.h>

/* inflateInit2 and deflateInit2 are macros over inflateInit2_ and deflateInit2_ (they pass the header's version
 * and the stream's size); Swift cannot call macros with arguments. */
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    /* 15 + 16: a gzip header and trailer (not zlib's), 32 KiB window. */
    return inflateInit2(stream, 15 + 16);
}

static inline int czlib_deflate_init_gzip(z_stream *stream, int level) {
    /* 15 + 16: write a gzip header and trailer; 8: zlib's default memory level. */
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

#endif
