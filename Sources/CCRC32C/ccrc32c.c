/*
 * CRC-32C for record batches: every produced batch is checksummed once on append, so this sits on the hot path.
 *
 * On x86-64 with SSE4.2 the `crc32` instruction does 8 bytes per instruction. The function using it carries
 * `__attribute__((target("sse4.2")))`, so the rest of the target builds for the baseline ISA without extra
 * compiler flags and the instruction is only executed after `__builtin_cpu_supports` said yes. Everywhere else
 * a slicing-by-8 table walk (8 KiB of tables, built once) does 8 bytes per step with 8 table lookups.
 */
#include "ccrc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CCRC32C_HAVE_SSE42 1
#include <nmmintrin.h>
#else
#define CCRC32C_HAVE_SSE42 0
#endif

/* Reflected Castagnoli polynomial. */
#define CCRC32C_POLY 0x82F63B78u

static uint32_t table[8][256];
static int hardware_available;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void ccrc32c_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) {
            crc = (crc & 1) ? (crc >> 1) ^ CCRC32C_POLY : crc >> 1;
        }
        table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = table[0][crc & 0xFF] ^ (crc >> 8);
            table[k][n] = crc;
        }
    }
#if CCRC32C_HAVE_SSE42
    __builtin_cpu_init();
    hardware_available = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    hardware_available = 0;
#endif
}

/* Little-endian load of 8 bytes; memcpy keeps it legal for unaligned data and compiles to one load. */
static inline uint64_t load_le64(const unsigned char *p) {
    uint64_t value;
    memcpy(&value, p, sizeof value);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

/* Works on the inverted register; the callers invert. */
static uint32_t extend_tables(uint32_t crc, const unsigned char *p, size_t length) {
    while (length >= 8) {
        uint64_t word = load_le64(p) ^ crc;
        crc = table[7][word & 0xFF] ^ table[6][(word >> 8) & 0xFF] ^ table[5][(word >> 16) & 0xFF] ^
              table[4][(word >> 24) & 0xFF] ^ table[3][(word >> 32) & 0xFF] ^ table[2][(word >> 40) & 0xFF] ^
              table[1][(word >> 48) & 0xFF] ^ table[0][word >> 56];
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        crc = table[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
        p++;
        length--;
    }
    return crc;
}

#if CCRC32C_HAVE_SSE42
/* Works on the inverted register; the callers invert. */
__attribute__((target("sse4.2")))
static uint32_t extend_sse42(uint32_t crc, const unsigned char *p, size_t length) {
    /* Align to 8 bytes so the wide loads in the main loop never straddle a cache line needlessly. */
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        crc = _mm_crc32_u8(crc, *p);
        p++;
        length--;
    }
    uint64_t crc64 = crc;
    while (length >= 8) {
        crc64 = _mm_crc32_u64(crc64, load_le64(p));
        p += 8;
        length -= 8;
    }
    crc = (uint32_t)crc64;
    while (length > 0) {
        crc = _mm_crc32_u8(crc, *p);
        p++;
        length--;
    }
    return crc;
}
#endif

uint32_t ccrc32c_extend(uint32_t crc, const void *data, size_t length) {
    pthread_once(&init_once, ccrc32c_init);
    if (length == 0) {
        return crc;
    }
#if CCRC32C_HAVE_SSE42
    if (hardware_available) {
        return ~extend_sse42(~crc, (const unsigned char *)data, length);
    }
#endif
    return ~extend_tables(~crc, (const unsigned char *)data, length);
}

uint32_t ccrc32c_extend_portable(uint32_t crc, const void *data, size_t length) {
    pthread_once(&init_once, ccrc32c_init);
    if (length == 0) {
        return crc;
    }
    return ~extend_tables(~crc, (const unsigned char *)data, length);
}

int ccrc32c_is_hardware_accelerated(void) {
    pthread_once(&init_once, ccrc32c_init);
    return hardware_available;
}
