#ifndef CZOOKEEPER_SHIM_H
#define CZOOKEEPER_SHIM_H

/* The synchronous API and zoo_amulti are declared only when THREADED is defined; libzookeeper_mt is the
 * threaded build. A system-library target cannot take cSettings, so the define lives here. */
#ifndef THREADED
#define THREADED 1
#endif
#include <zookeeper/zookeeper.h>

/* Swift 6 refuses to touch mutable C globals; these accessors hand out their addresses. */
static inline struct ACL_vector *czk_open_acl_unsafe(void) { return &ZOO_OPEN_ACL_UNSAFE; }

#endif
