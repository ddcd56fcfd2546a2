#ifndef CZSTD_SHIM_H
#define CZSTD_SHIM_H

/* Debian's libzstd-dev: Kafka's zstd codec is a standard zstd frame (zstd-jni's ZstdOutputStream in Java). */
#include <zstd.h>

#endif
