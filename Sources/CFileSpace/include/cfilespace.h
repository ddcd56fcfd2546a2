#ifndef GREGOR_CFILESPACE_H
#define GREGOR_CFILESPACE_H

/// Allocates `length` bytes of `fd` from `offset` without changing the file's size (Linux's
/// fallocate(FALLOC_FL_KEEP_SIZE)). Returns 0, or -1 with errno set (EOPNOTSUPP where the file system lacks it).
int gregor_fallocate_keep_size(int fd, long long offset, long long length);

#endif
