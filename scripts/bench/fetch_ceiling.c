/*
 * fetch_ceiling: the consume ceiling of a Kafka client on this machine.
 *
 * A server that speaks just enough of the Kafka protocol for librdkafka's consumer (ApiVersions, Metadata v1,
 * ListOffsets v1, Fetch v4, and FindCoordinator v0 naming itself, which a consumer with a group.id asks even when
 * it only assigns partitions) and answers every Fetch from memory: one record batch (magic 2, no compression), built
 * once, holding as many records of the given size as fit in the request's per-partition limit
 * (max.partition.fetch.bytes). Each answer writes the headers with the batch's base offset set to the requested
 * offset, then `sendfile`s the records from a memfd, as a broker sends records from its log's page cache. No disk,
 * no log lookup, no index, no locks: what a client reaches against it is the most any broker can give that client
 * while it keeps the client's fetch limits. scripts/bench/produce_consume.py runs the same rdkafka_performance -C
 * against it and against Gregor.
 *
 * usage: fetch_ceiling TOPIC RECORD_SIZE RECORD_COUNT
 * Listens on 127.0.0.1 on a free port and prints "PORT <n>" on stdout. One thread per connection. The topic has one
 * partition (0) led by node 1 (this server); its log holds RECORD_COUNT records (the high watermark).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (16 * 1024 * 1024)
#define MAX_PARTITION_BYTES (256 * 1024 * 1024) /* a larger per-partition limit is served as this much */
#define BATCH_HEADER 61 /* base offset 8, length 4, leader epoch 4, magic 1, crc 4, attributes .. record count */

static const char *topic;
static int64_t record_size, record_count;
static int listen_port;

/* The one batch, built on the first Fetch for that request's partition limit. */
static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
static int32_t batch_limit = -1;        /* the partition_max_bytes it was built for */
static uint8_t batch_header[BATCH_HEADER];
static int records_fd = -1;             /* memfd holding the records section */
static int64_t records_len, batch_records;

/* ---- CRC-32C (Castagnoli), as Kafka's record batches use ---- */
static uint32_t crc_table[256];
static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
}
static uint32_t crc32c(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- big-endian writer ---- */
typedef struct { uint8_t *p; size_t len, cap; } buf_t;
static void put(buf_t *b, const void *src, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) { perror("realloc"); exit(1); }
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}
static void put8(buf_t *b, int8_t v) { put(b, &v, 1); }
static void put16(buf_t *b, int16_t v) { uint16_t x = htons((uint16_t)v); put(b, &x, 2); }
static void put32(buf_t *b, int32_t v) { uint32_t x = htonl((uint32_t)v); put(b, &x, 4); }
static void put64(buf_t *b, int64_t v) { put32(b, (int32_t)((uint64_t)v >> 32)); put32(b, (int32_t)(uint64_t)v); }
static void putstr(buf_t *b, const char *s, size_t n) { put16(b, (int16_t)n); put(b, s, n); }
static void putuvarint(buf_t *b, uint64_t v) {
    while (v >= 0x80) { put8(b, (int8_t)((v & 0x7f) | 0x80)); v >>= 7; }
    put8(b, (int8_t)v);
}
static void putvarint(buf_t *b, int64_t v) { putuvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }
static void set32(uint8_t *p, int32_t v) { uint32_t x = htonl((uint32_t)v); memcpy(p, &x, 4); }
static void set64(uint8_t *p, int64_t v) { set32(p, (int32_t)((uint64_t)v >> 32)); set32(p + 4, (int32_t)(uint64_t)v); }

/* ---- bounds-checked big-endian reader; ok turns 0 on any short read ---- */
typedef struct { const uint8_t *p; size_t len, pos; int ok; } rd_t;
static const uint8_t *take(rd_t *r, size_t n) {
    if (!r->ok || r->len - r->pos < n) { r->ok = 0; return NULL; }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}
static int16_t get16(rd_t *r) { const uint8_t *p = take(r, 2); return p ? (int16_t)((p[0] << 8) | p[1]) : 0; }
static int32_t get32(rd_t *r) {
    const uint8_t *p = take(r, 4);
    return p ? (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) : 0;
}
static int64_t get64(rd_t *r) { uint64_t hi = (uint32_t)get32(r); return (int64_t)(hi << 32 | (uint32_t)get32(r)); }
static void skipstr(rd_t *r) { int16_t n = get16(r); if (n > 0) take(r, (size_t)n); }
/* A string into out (NUL-terminated, truncated to cap - 1); returns its length or -1 for null. */
static int getstr(rd_t *r, char *out, size_t cap) {
    int16_t n = get16(r);
    if (n < 0) { out[0] = 0; return -1; }
    const uint8_t *p = take(r, (size_t)n);
    if (!p) { out[0] = 0; return 0; }
    size_t k = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
    memcpy(out, p, k);
    out[k] = 0;
    return (int)k;
}

/* Builds the batch for a partition limit: as many records as fit (at least one). Caller holds batch_lock. */
static void build_batch(int32_t limit) {
    buf_t value = {0}, records = {0};
    for (int64_t i = 0; i < record_size; i++) put8(&value, 'x');
    int64_t n = 0;
    for (;;) {
        buf_t rec = {0};
        put8(&rec, 0);                      /* attributes */
        putvarint(&rec, 0);                 /* timestamp delta */
        putvarint(&rec, n);                 /* offset delta */
        putvarint(&rec, -1);                /* null key */
        putvarint(&rec, record_size);
        put(&rec, value.p, value.len);
        putvarint(&rec, 0);                 /* no headers */
        buf_t len = {0};
        putvarint(&len, (int64_t)rec.len);
        if (n > 0 && BATCH_HEADER + records.len + len.len + rec.len > (size_t)limit) { free(rec.p); free(len.p); break; }
        put(&records, len.p, len.len);
        put(&records, rec.p, rec.len);
        free(rec.p); free(len.p);
        n++;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    buf_t h = {0};
    put64(&h, 0);                                       /* base offset: set per answer */
    put32(&h, (int32_t)(BATCH_HEADER - 12 + records.len)); /* batch length: from the leader epoch on */
    put32(&h, 0);                                       /* partition leader epoch */
    put8(&h, 2);                                        /* magic */
    put32(&h, 0);                                       /* crc, below */
    put16(&h, 0);                                       /* attributes: no compression */
    put32(&h, (int32_t)(n - 1));                        /* last offset delta */
    put64(&h, now_ms);
    put64(&h, now_ms);
    put64(&h, -1); put16(&h, -1); put32(&h, -1);        /* no producer id, epoch, sequence */
    put32(&h, (int32_t)n);
    uint32_t crc = crc32c(0, h.p + 21, h.len - 21);
    crc = crc32c(crc, records.p, records.len);
    set32(h.p + 17, (int32_t)crc);
    memcpy(batch_header, h.p, BATCH_HEADER);
    free(h.p);

    /* An earlier memfd stays open: another connection may still be sending from it. */
    records_fd = memfd_create("fetch_ceiling_records", 0);
    if (records_fd < 0) { perror("memfd_create"); exit(1); }
    for (size_t off = 0; off < records.len;) {
        ssize_t w = write(records_fd, records.p + off, records.len - off);
        if (w <= 0) { perror("write memfd"); exit(1); }
        off += (size_t)w;
    }
    records_len = (int64_t)records.len;
    batch_records = n;
    batch_limit = limit;
    free(records.p); free(value.p);
}

static int write_all(int fd, const void *p, size_t n) {
    const uint8_t *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w; n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n) {
    uint8_t *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        c += r; n -= (size_t)r;
    }
    return 0;
}

/* Sends a response: length prefix, correlation id, body. */
static int respond(int fd, int32_t correlation, const buf_t *body) {
    buf_t out = {0};
    put32(&out, (int32_t)(4 + body->len));
    put32(&out, correlation);
    put(&out, body->p, body->len);
    int rc = write_all(fd, out.p, out.len);
    free(out.p);
    return rc;
}

static void api_versions(buf_t *b, int16_t version) {
    static const int16_t apis[][3] = {{0, 3, 3}, {1, 4, 4}, {2, 1, 1}, {3, 1, 1}, {10, 0, 0}, {18, 0, 3}};
    size_t n = sizeof apis / sizeof apis[0];
    put16(b, 0);
    if (version >= 3) {
        putuvarint(b, n + 1);
        for (size_t i = 0; i < n; i++) { put16(b, apis[i][0]); put16(b, apis[i][1]); put16(b, apis[i][2]); putuvarint(b, 0); }
        put32(b, 0);
        putuvarint(b, 0);
    } else {
        put32(b, (int32_t)n);
        for (size_t i = 0; i < n; i++) { put16(b, apis[i][0]); put16(b, apis[i][1]); put16(b, apis[i][2]); }
        if (version >= 1) put32(b, 0);
    }
}

static void metadata_topic(buf_t *b, const char *name, size_t len) {
    put16(b, 0);
    putstr(b, name, len);
    put8(b, 0);                 /* is_internal */
    put32(b, 1);                /* one partition */
    put16(b, 0); put32(b, 0); put32(b, 1);
    put32(b, 1); put32(b, 1);   /* replicas [1] */
    put32(b, 1); put32(b, 1);   /* isr [1] */
}

static int metadata(buf_t *b, rd_t *r) {
    put32(b, 1);
    put32(b, 1); putstr(b, "127.0.0.1", 9); put32(b, listen_port); put16(b, -1);
    put32(b, 1);                /* controller */
    int32_t n = get32(r);
    if (!r->ok || n > 1000) return -1;
    if (n < 0) { put32(b, 1); metadata_topic(b, topic, strlen(topic)); return 0; }
    put32(b, n);
    for (int32_t i = 0; i < n; i++) {
        char name[256];
        int len = getstr(r, name, sizeof name);
        metadata_topic(b, name, len < 0 ? 0 : (size_t)len);
    }
    return r->ok ? 0 : -1;
}

static int list_offsets(buf_t *b, rd_t *r) {
    get32(r);                   /* replica id */
    int32_t topics = get32(r);
    if (!r->ok || topics < 0 || topics > 1000) return -1;
    put32(b, topics);
    for (int32_t t = 0; t < topics; t++) {
        char name[256];
        int len = getstr(r, name, sizeof name);
        putstr(b, name, len < 0 ? 0 : (size_t)len);
        int32_t parts = get32(r);
        if (!r->ok || parts < 0 || parts > 100000) return -1;
        put32(b, parts);
        for (int32_t p = 0; p < parts; p++) {
            int32_t index = get32(r);
            int64_t ts = get64(r);
            put32(b, index); put16(b, 0); put64(b, -1);
            put64(b, ts == -2 ? 0 : record_count);   /* earliest: 0, latest (or any time): the end */
        }
    }
    return r->ok ? 0 : -1;
}

/* Fetch v4 for one partition: the headers with write, then the records from the memfd with sendfile. */
static int fetch(int fd, int32_t correlation, rd_t *r) {
    get32(r);                           /* replica id */
    int32_t max_wait = get32(r);
    get32(r); get32(r);                 /* min bytes, max bytes */
    take(r, 1);                         /* isolation level */
    int32_t topics = get32(r);
    char name[256] = "";
    int name_len = 0, partitions = 0;
    int32_t partition = 0, limit = 0;
    int64_t offset = 0;
    if (topics == 1) {
        name_len = getstr(r, name, sizeof name);
        partitions = get32(r);
        if (partitions == 1) { partition = get32(r); offset = get64(r); limit = get32(r); }
    }
    if (!r->ok || topics != 1 || partitions != 1 || name_len < 0 || limit <= 0 || offset < 0) {
        fprintf(stderr, "fetch_ceiling: a Fetch for other than one partition, or malformed; closing\n");
        return -1;
    }
    if (limit > MAX_PARTITION_BYTES) limit = MAX_PARTITION_BYTES; /* keeps every size below within int32 */
    pthread_mutex_lock(&batch_lock);
    if (batch_limit != limit) build_batch(limit);
    uint8_t header[BATCH_HEADER];
    memcpy(header, batch_header, BATCH_HEADER);
    int rfd = records_fd;
    int64_t rlen = records_len, n = batch_records;
    pthread_mutex_unlock(&batch_lock);

    int send_records = offset < record_count;
    if (!send_records && max_wait > 0) usleep((useconds_t)(max_wait < 1000 ? max_wait : 1000) * 1000);
    int64_t end = offset + n > record_count ? offset + n : record_count;
    buf_t b = {0};
    int32_t records_size = send_records ? (int32_t)(BATCH_HEADER + rlen) : 0;
    put32(&b, 0);                       /* length: set below */
    put32(&b, correlation);
    put32(&b, 0);                       /* throttle */
    put32(&b, 1); putstr(&b, name, (size_t)name_len);
    put32(&b, 1); put32(&b, partition); put16(&b, 0);
    put64(&b, end); put64(&b, end);     /* high watermark, last stable offset */
    put32(&b, -1);                      /* no aborted transactions */
    put32(&b, records_size);
    if (send_records) { set64(header, offset); put(&b, header, BATCH_HEADER); }
    set32(b.p, (int32_t)(b.len - 4 + (send_records ? rlen : 0)));
    int rc = write_all(fd, b.p, b.len);
    free(b.p);
    if (rc || !send_records) return rc;
    off_t pos = 0;
    while (pos < rlen) {
        ssize_t s = sendfile(fd, rfd, &pos, (size_t)(rlen - pos));
        if (s < 0 && errno == EINTR) continue;
        if (s <= 0) return -1;
    }
    return 0;
}

static void *serve(void *arg) {
    int fd = (int)(intptr_t)arg;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint8_t *frame = malloc(MAX_FRAME);
    if (!frame) { perror("fetch_ceiling: malloc"); close(fd); return NULL; }
    for (;;) {
        uint8_t len_bytes[4];
        if (read_all(fd, len_bytes, 4)) break;
        uint32_t len;
        memcpy(&len, len_bytes, 4);
        len = ntohl(len);
        if (len < 8 || len > MAX_FRAME) { fprintf(stderr, "fetch_ceiling: frame of %u bytes; closing\n", len); break; }
        if (read_all(fd, frame, len)) break;
        rd_t r = {frame, len, 0, 1};
        int16_t key = get16(&r), version = get16(&r);
        int32_t correlation = get32(&r);
        skipstr(&r);                                     /* client id */
        if (key == 18 && version >= 3) take(&r, 1);      /* header tagged fields (none) */
        buf_t body = {0};
        int rc;
        switch (key) {
        case 18: api_versions(&body, version); rc = respond(fd, correlation, &body); break;
        case 3: rc = metadata(&body, &r); if (!rc) rc = respond(fd, correlation, &body); break;
        case 2: rc = list_offsets(&body, &r); if (!rc) rc = respond(fd, correlation, &body); break;
        case 1: rc = fetch(fd, correlation, &r); break;
        case 10:
            put16(&body, 0); put32(&body, 1); putstr(&body, "127.0.0.1", 9); put32(&body, listen_port);
            rc = respond(fd, correlation, &body);
            break;
        default:
            fprintf(stderr, "fetch_ceiling: api key %d v%d is not served; closing\n", key, version);
            rc = -1;
        }
        free(body.p);
        if (rc) break;
    }
    free(frame);
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s TOPIC RECORD_SIZE RECORD_COUNT\n", argv[0]); return 2; }
    topic = argv[1];
    record_size = strtoll(argv[2], NULL, 10);
    record_count = strtoll(argv[3], NULL, 10);
    if (strlen(topic) == 0 || strlen(topic) > 249 || record_size < 0 || record_size > 1000000 || record_count <= 0) {
        fprintf(stderr, "fetch_ceiling: bad arguments\n");
        return 2;
    }
    crc_init();
    signal(SIGPIPE, SIG_IGN); /* a client that leaves mid-answer ends its connection, not the server */
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64) || getsockname(s, (struct sockaddr *)&a, &alen)) {
        perror("fetch_ceiling: listen");
        return 1;
    }
    listen_port = ntohs(a.sin_port);
    printf("PORT %d\n", listen_port);
    fflush(stdout);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) { if (errno == EINTR) continue; perror("accept"); return 1; }
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(intptr_t)c)) { close(c); continue; }
        pthread_detach(t);
    }
}
