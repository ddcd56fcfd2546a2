/*
 * End-to-end latency of one Kafka partition, for scripts/bench/latency.sh (built there with gcc against the
 * installed librdkafka-dev, like rdkafka_performance).
 *
 * One process, so one clock: a producer thread sends records at a fixed rate to partition 0 of a topic, each value
 * starting with its send time (CLOCK_MONOTONIC, ns, little-endian as the host stores it) and a sequence number;
 * the main thread consumes the same partition (assigned at its end, no consumer group) and records, per record,
 * receive time - send time. The producer's delivery reports give the acknowledgement latency (send -> ack) too.
 * rdkafka_performance's own latency mode (-l) cannot do this: it prints only avg/min/max, compares two processes'
 * wall clocks, and its -r rate limit busy-polls a whole core.
 *
 * Only records sent after the warm-up (-w) count. The rate is kept by a schedule (record n is due at
 * start + n / rate): after a stall the producer catches up in a burst, and those records carry their real send
 * time, so a stall of the client itself is not charged to the broker.
 *
 * Usage: e2e_latency (-b BOOTSTRAP | -m MOCK_BROKERS) -t TOPIC [-s SIZE] [-r MSGS_PER_S] [-d SECONDS]
 *                    [-w WARMUP_SECONDS] [-a ACKS] [-l LINGER_MS] [-X key=value ...] [-C key=value ...]
 * -m N starts librdkafka's mock cluster of N brokers in this process (the topic created there with replication
 * factor N; the mock does not replicate: it is the client-side floor). -X applies to producer and consumer, -C to
 * the consumer only (after the defaults: fetch.min.bytes=1, fetch.wait.max.ms librdkafka's 500).
 * The mock answers a Fetch that finds no data only after its full max wait (it does not wake it when a record
 * arrives), so its floor is measured with -C fetch.wait.max.ms=1.
 * Prints progress on stderr and one line "RESULT {json}" on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define FINE_BUCKETS 100000   /* 1 us each: 0 .. 100 ms */
#define COARSE_BUCKETS 100000 /* 1 ms each: 100 ms .. 100 s */
#define MAX_X 64

/* A latency histogram: 1 us resolution up to 100 ms, 1 ms up to 100 s, the exact maximum. */
typedef struct {
    uint64_t fine[FINE_BUCKETS];
    uint64_t coarse[COARSE_BUCKETS];
    uint64_t over;
    uint64_t count;
    int64_t max_ns;
    double sum_ns;
} histogram_t;

static void hist_add(histogram_t *h, int64_t ns) {
    if (ns < 0)
        ns = 0;
    int64_t us = ns / 1000;
    if (us < FINE_BUCKETS)
        h->fine[us]++;
    else if (us / 1000 < FINE_BUCKETS / 1000 + COARSE_BUCKETS)
        h->coarse[us / 1000 - FINE_BUCKETS / 1000]++;
    else
        h->over++;
    h->count++;
    h->sum_ns += (double)ns;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

/* The value (ms, upper edge of its bucket) below which a fraction q of the samples fall. */
static double hist_quantile_ms(const histogram_t *h, double q) {
    if (h->count == 0)
        return -1;
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (int i = 0; i < FINE_BUCKETS; i++) {
        seen += h->fine[i];
        if (seen >= rank)
            return (i + 1) / 1000.0;
    }
    for (int i = 0; i < COARSE_BUCKETS; i++) {
        seen += h->coarse[i];
        if (seen >= rank)
            return (double)(FINE_BUCKETS / 1000 + i + 1);
    }
    return (double)h->max_ns / 1e6;
}

static void hist_json(const histogram_t *h, const char *name) {
    printf("\"%s\": {\"count\": %" PRIu64 ", \"mean_ms\": %.3f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, "
           "\"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f}",
           name, h->count, h->count ? h->sum_ns / (double)h->count / 1e6 : -1.0, hist_quantile_ms(h, 0.50),
           hist_quantile_ms(h, 0.90), hist_quantile_ms(h, 0.99), hist_quantile_ms(h, 0.999),
           (double)h->max_ns / 1e6);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t ns) {
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* ---- settings and shared state ---- */
static const char *bootstrap;
static const char *topic;
static int mock_brokers;
static int size = 1024;
static double rate = 51200;
static double duration_s = 20, warmup_s = 2;
static const char *acks = "all";
static const char *linger_ms = "1";
static const char *extra[MAX_X], *consumer_extra[MAX_X];
static int extra_cnt, consumer_extra_cnt;

static int64_t start_ns, measure_ns, end_ns; /* set before the threads start */
static atomic_int producer_done;
static atomic_int interrupted;
static atomic_uint_fast64_t acked_measured;

/* Producer-thread only (its delivery reports run in rd_kafka_poll on that thread). */
static histogram_t ack_hist;
static uint64_t sent_total, sent_measured, queue_full, ack_errors;
static char first_ack_error[256];
/* Main-thread only. */
static histogram_t e2e_hist;
static uint64_t received_total, received_measured, consume_errors, out_of_order;
static char first_consume_error[256];

static void die(const char *msg) {
    fprintf(stderr, "e2e_latency: %s\n", msg);
    exit(2);
}

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&interrupted, 1);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "e2e_latency: %s=%s: %s\n", key, value, err);
        exit(2);
    }
}

static void set_all(rd_kafka_conf_t *conf, const char **pairs, int cnt) {
    for (int i = 0; i < cnt; i++) {
        char kv[1024];
        snprintf(kv, sizeof(kv), "%s", pairs[i]);
        char *eq = strchr(kv, '=');
        if (!eq)
            die("-X and -C need key=value");
        *eq = '\0';
        set(conf, kv, eq + 1);
    }
}

static rd_kafka_conf_t *base_conf(void) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set_all(conf, extra, extra_cnt);
    return conf;
}

/* Error texts go into the JSON line: no quotes, backslashes or control characters. */
static void keep_plain(char *s) {
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            *s = '\'';
}

static int64_t stamp_of(const void *payload, size_t len) {
    int64_t ts = 0;
    if (len >= 8)
        memcpy(&ts, payload, 8);
    return ts;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err) {
        if (ack_errors++ == 0)
            snprintf(first_ack_error, sizeof(first_ack_error), "%s", rd_kafka_err2str(m->err));
        return;
    }
    int64_t sent = stamp_of(m->payload, m->len);
    if (sent >= measure_ns) {
        hist_add(&ack_hist, now_ns() - sent);
        atomic_fetch_add(&acked_measured, 1);
    }
}

static void *produce(void *arg) {
    rd_kafka_t *rk = arg;
    char *buf = calloc(1, (size_t)size);
    if (!buf)
        die("out of memory");
    memset(buf, 'x', (size_t)size);
    const double per_ns = rate / 1e9;
    while (!atomic_load(&interrupted)) {
        int64_t now = now_ns();
        if (now >= end_ns)
            break;
        uint64_t due = (uint64_t)((double)(now - start_ns) * per_ns) + 1;
        while (sent_total < due && !atomic_load(&interrupted)) {
            int64_t ts = now_ns();
            uint64_t seq = sent_total;
            memcpy(buf, &ts, 8);
            memcpy(buf + 8, &seq, 8);
            rd_kafka_resp_err_t err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(buf, (size_t)size),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                queue_full++;
                rd_kafka_poll(rk, 1);
                continue;
            }
            if (err)
                die(rd_kafka_err2str(err));
            sent_total++;
            if (ts >= measure_ns)
                sent_measured++;
        }
        rd_kafka_poll(rk, 0);
        /* Sleep until the next record is due, at least 100 us (~5 records at 51,200/s: small bursts). */
        int64_t next = start_ns + (int64_t)((double)sent_total / per_ns);
        int64_t floor = now_ns() + 100000;
        sleep_until(next > floor ? next : floor);
    }
    int64_t flush_deadline = now_ns() + 30 * 1000000000LL;
    while (rd_kafka_outq_len(rk) > 0 && now_ns() < flush_deadline && !atomic_load(&interrupted))
        rd_kafka_poll(rk, 50);
    free(buf);
    atomic_store(&producer_done, 1);
    return NULL;
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "b:m:t:s:r:d:w:a:l:X:C:")) != -1) {
        switch (opt) {
        case 'b': bootstrap = optarg; break;
        case 'm': mock_brokers = atoi(optarg); break;
        case 't': topic = optarg; break;
        case 's': size = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'd': duration_s = atof(optarg); break;
        case 'w': warmup_s = atof(optarg); break;
        case 'a': acks = optarg; break;
        case 'l': linger_ms = optarg; break;
        case 'X':
            if (extra_cnt == MAX_X)
                die("too many -X");
            extra[extra_cnt++] = optarg;
            break;
        case 'C':
            if (consumer_extra_cnt == MAX_X)
                die("too many -C");
            consumer_extra[consumer_extra_cnt++] = optarg;
            break;
        default:
            die("usage: e2e_latency (-b BOOTSTRAP | -m MOCK_BROKERS) -t TOPIC [-s SIZE] [-r MSGS_PER_S] "
                "[-d SECONDS] [-w WARMUP_SECONDS] [-a ACKS] [-l LINGER_MS] [-X key=value ...] [-C key=value ...]");
        }
    }
    if (!topic || (!bootstrap && mock_brokers <= 0))
        die("needs -t and -b or -m");
    if (size < 16 || size > 100 * 1024 * 1024)
        die("-s must be 16 .. 100 MiB (the value holds a timestamp and a sequence number)");
    if (!(rate > 0 && rate <= 10e6) || !(duration_s > 0 && duration_s <= 3600) || !(warmup_s >= 0 && warmup_s <= 600))
        die("-r, -d or -w out of range");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    prctl(PR_SET_TIMERSLACK, 1000UL); /* 1 us: the rate schedule sleeps ~100 us at a time */

    char err[512];
    rd_kafka_t *mock_host = NULL;
    rd_kafka_mock_cluster_t *mock = NULL;
    if (mock_brokers > 0) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        mock_host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!mock_host)
            die(err);
        rd_kafka_mock_cluster_t *mc = mock = rd_kafka_mock_cluster_new(mock_host, mock_brokers);
        if (!mc)
            die("rd_kafka_mock_cluster_new failed");
        if (rd_kafka_mock_topic_create(mc, topic, 1, mock_brokers))
            die("rd_kafka_mock_topic_create failed");
        bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(mc));
        fprintf(stderr, "e2e_latency: mock cluster of %d brokers at %s\n", mock_brokers, bootstrap);
    }

    rd_kafka_conf_t *pconf = base_conf();
    set(pconf, "acks", acks);
    set(pconf, "linger.ms", linger_ms);
    set(pconf, "enable.idempotence", "false");
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err));
    if (!producer)
        die(err);

    rd_kafka_conf_t *cconf = base_conf();
    char group[64];
    snprintf(group, sizeof(group), "e2e-latency-%d", (int)getpid());
    set(cconf, "group.id", group);
    set(cconf, "enable.auto.commit", "false");
    set(cconf, "fetch.min.bytes", "1");
    set(cconf, "enable.partition.eof", "false");
    set_all(cconf, consumer_extra, consumer_extra_cnt);
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof(err));
    if (!consumer)
        die(err);
    rd_kafka_poll_set_consumer(consumer);
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t werr = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 0; attempt < 30; attempt++) {
        werr = rd_kafka_query_watermark_offsets(consumer, topic, 0, &low, &high, 5000);
        if (!werr)
            break;
        usleep(200000);
    }
    if (werr)
        die(rd_kafka_err2str(werr));
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = high;
    if (rd_kafka_assign(consumer, parts))
        die("rd_kafka_assign failed");
    rd_kafka_topic_partition_list_destroy(parts);
    fprintf(stderr, "e2e_latency: consuming %s-0 from offset %" PRId64 "; producing %.0f msgs/s x %d B for "
            "%.0f s (first %.0f s warm-up), acks=%s linger.ms=%s\n", topic, high, rate, size,
            duration_s + warmup_s, warmup_s, acks, linger_ms);

    start_ns = now_ns();
    measure_ns = start_ns + (int64_t)(warmup_s * 1e9);
    end_ns = measure_ns + (int64_t)(duration_s * 1e9);
    pthread_t thread;
    if (pthread_create(&thread, NULL, produce, producer))
        die("pthread_create failed");

    int64_t last_seq = -1, done_at = 0, next_progress = start_ns + 5000000000LL;
    while (!atomic_load(&interrupted)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 50);
        int64_t now = now_ns();
        if (m) {
            if (m->err) {
                if (consume_errors++ == 0)
                    snprintf(first_consume_error, sizeof(first_consume_error), "%s", rd_kafka_message_errstr(m));
            } else if (m->len >= 16) {
                int64_t sent = stamp_of(m->payload, m->len), seq;
                memcpy(&seq, (const char *)m->payload + 8, 8);
                if (seq <= last_seq)
                    out_of_order++;
                last_seq = seq;
                received_total++;
                if (sent >= measure_ns) {
                    hist_add(&e2e_hist, now - sent);
                    received_measured++;
                }
            }
            rd_kafka_message_destroy(m);
        }
        if (now >= next_progress) {
            fprintf(stderr, "e2e_latency: %.0f s: %" PRIu64 " received\n", (double)(now - start_ns) / 1e9,
                    received_total);
            next_progress += 5000000000LL;
        }
        if (atomic_load(&producer_done)) {
            if (!done_at)
                done_at = now;
            /* Everything acknowledged has arrived, or 3 s after the producer finished. */
            if (received_measured >= atomic_load(&acked_measured) || now - done_at > 3000000000LL)
                break;
        }
    }
    atomic_store(&interrupted, 1);
    pthread_join(thread, NULL);
    double window_s = duration_s;

    keep_plain(first_ack_error);
    keep_plain(first_consume_error);
    printf("RESULT {\"bootstrap\": \"%s\", \"mock\": %d, \"size\": %d, \"rate_target\": %.1f, \"acks\": \"%s\", "
           "\"linger_ms\": \"%s\", \"window_s\": %.3f, \"sent_total\": %" PRIu64 ", \"sent_measured\": %" PRIu64
           ", \"acked_measured\": %" PRIu64 ", \"received_measured\": %" PRIu64 ", \"received_total\": %" PRIu64
           ", \"queue_full\": %" PRIu64 ", \"ack_errors\": %" PRIu64 ", \"first_ack_error\": \"%s\", "
           "\"consume_errors\": %" PRIu64 ", \"first_consume_error\": \"%s\", \"out_of_order\": %" PRIu64 ", ",
           bootstrap, mock_brokers, size, rate, acks, linger_ms, window_s, sent_total, sent_measured,
           (uint64_t)atomic_load(&acked_measured), received_measured, received_total, queue_full, ack_errors,
           first_ack_error, consume_errors, first_consume_error, out_of_order);
    hist_json(&ack_hist, "ack");
    printf(", ");
    hist_json(&e2e_hist, "e2e");
    printf("}\n");
    fflush(stdout);

    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    if (mock_host) {
        rd_kafka_mock_cluster_destroy(mock);
        rd_kafka_destroy(mock_host);
    }
    return 0;
}
