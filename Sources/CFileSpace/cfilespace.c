// fallocate and FALLOC_FL_KEEP_SIZE are GNU extensions, which Swift's Glibc module does not export.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include "cfilespace.h"

int gregor_fallocate_keep_size(int fd, long long offset, long long length) {
#ifdef FALLOC_FL_KEEP_SIZE
    return fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
#else
    errno = EOPNOTSUPP;
    return -1;
#endif
}
