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

/*
 * The crc32 instruction has a latency of 3 cycles but a throughput of 1 per cycle, so one dependency chain uses a
 * third of it. Large inputs are therefore cut into three blocks whose CRCs are computed side by side and then
 * combined: the register after block A followed by block B equals (A's register advanced over |B| zero bytes)
 * xor (B's register started from zero). Advancing over a fixed number of zero bytes is linear, so it is a 32x32
 * GF(2) matrix, applied here through four 256-entry tables per block size (Mark Adler's method).
 */
#define CCRC32C_LONG 8192
#define CCRC32C_SHORT 256
static uint32_t zeros_long[4][256];
static uint32_t zeros_short[4][256];

static uint32_t gf2_matrix_times(const uint32_t *mat, uint32_t vec) {
    uint32_t sum = 0;
    while (vec) {
        if (vec & 1) {
            sum ^= *mat;
        }
        vec >>= 1;
        mat++;
    }
    return sum;
}

static void gf2_matrix_square(uint32_t *square, const uint32_t *mat) {
    for (int n = 0; n < 32; n++) {
        square[n] = gf2_matrix_times(mat, mat[n]);
    }
}

/* The operator that advances a CRC register over `length` zero bytes; `length` must be a power of two. */
static void zeros_operator(uint32_t *even, size_t length) {
    uint32_t odd[32];
    odd[0] = CCRC32C_POLY; /* one zero bit */
    uint32_t row = 1;
    for (int n = 1; n < 32; n++) {
        odd[n] = row;
        row <<= 1;
    }
    gf2_matrix_square(even, odd); /* two zero bits */
    gf2_matrix_square(odd, even); /* four zero bits */
    for (;;) {
        gf2_matrix_square(even, odd); /* 8, 32, 128, ... bits */
        length >>= 1;
        if (length == 0) {
            return;
        }
        gf2_matrix_square(odd, even); /* 16, 64, 256, ... bits */
        length >>= 1;
        if (length == 0) {
            memcpy(even, odd, sizeof odd);
            return;
        }
    }
}

static void zeros_tables(uint32_t zeros[][256], size_t length) {
    uint32_t op[32];
    zeros_operator(op, length);
    for (uint32_t n = 0; n < 256; n++) {
        zeros[0][n] = gf2_matrix_times(op, n);
        zeros[1][n] = gf2_matrix_times(op, n << 8);
        zeros[2][n] = gf2_matrix_times(op, n << 16);
        zeros[3][n] = gf2_matrix_times(op, n << 24);
    }
}

static inline uint32_t shift_crc(uint32_t zeros[][256], uint32_t crc) {
    return zeros[0][crc & 0xFF] ^ zeros[1][(crc >> 8) & 0xFF] ^ zeros[2][(crc >> 16) & 0xFF] ^ zeros[3][crc >> 24];
}
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
    zeros_tables(zeros_long, CCRC32C_LONG);
    zeros_tables(zeros_short, CCRC32C_SHORT);
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
    while (length >= 3 * CCRC32C_LONG) {
        uint64_t crc1 = 0, crc2 = 0;
        const unsigned char *end = p + CCRC32C_LONG;
        do {
            crc64 = _mm_crc32_u64(crc64, load_le64(p));
            crc1 = _mm_crc32_u64(crc1, load_le64(p + CCRC32C_LONG));
            crc2 = _mm_crc32_u64(crc2, load_le64(p + 2 * CCRC32C_LONG));
            p += 8;
        } while (p < end);
        crc64 = shift_crc(zeros_long, (uint32_t)crc64) ^ (uint32_t)crc1;
        crc64 = shift_crc(zeros_long, (uint32_t)crc64) ^ (uint32_t)crc2;
        p += 2 * CCRC32C_LONG;
        length -= 3 * CCRC32C_LONG;
    }
    while (length >= 3 * CCRC32C_SHORT) {
        uint64_t crc1 = 0, crc2 = 0;
        const unsigned char *end = p + CCRC32C_SHORT;
        do {
            crc64 = _mm_crc32_u64(crc64, load_le64(p));
            crc1 = _mm_crc32_u64(crc1, load_le64(p + CCRC32C_SHORT));
            crc2 = _mm_crc32_u64(crc2, load_le64(p + 2 * CCRC32C_SHORT));
            p += 8;
        } while (p < end);
        crc64 = shift_crc(zeros_short, (uint32_t)crc64) ^ (uint32_t)crc1;
        crc64 = shift_crc(zeros_short, (uint32_t)crc64) ^ (uint32_t)crc2;
        p += 2 * CCRC32C_SHORT;
        length -= 3 * CCRC32C_SHORT;
    }
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
