#ifndef CSNAPPY_SHIM_H
#define CSNAPPY_SHIM_H

/* Debian's libsnappy-dev through its C API (libsnappy is C++; snappy-c.h is its extern "C" face). Raw snappy
 * blocks only: the xerial framing Kafka's Java client wraps around them is parsed in Swift. */
#include <snappy-c.h>

#endif
