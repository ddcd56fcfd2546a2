#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78) as used by Kafka record batches v2,
 * iSCSI (RFC 3720) and ext4.
 *
 * Contract: `crc` is the checksum of the bytes seen so far (0 for none); the result is the checksum of those bytes
 * followed by `data[0..<length]`, so extend(extend(0, a), b) == extend(0, a || b). The pre- and post-inversion
 * are applied inside; callers never see the inverted register. `data` may be NULL when `length` is 0.
 *
 * Thread-safety: all functions are safe to call concurrently from any thread. The first call decides once
 * (pthread_once) whether the CPU has SSE4.2 and builds the fallback tables.
 */

/* The fastest path this CPU has: the SSE4.2 `crc32` instruction on x86-64 if present, else slicing-by-8. */
uint32_t ccrc32c_extend(uint32_t crc, const void *data, size_t length);

/* Always the portable slicing-by-8 table path; for tests that compare it with the hardware path. */
uint32_t ccrc32c_extend_portable(uint32_t crc, const void *data, size_t length);

/* 1 when ccrc32c_extend uses the CPU's CRC-32C instruction, 0 when it uses the tables. */
int ccrc32c_is_hardware_accelerated(void);

#endif
