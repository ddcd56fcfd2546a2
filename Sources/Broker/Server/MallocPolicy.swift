import CMalloc
import Logging

/// How the broker asks glibc's allocator to treat request buffers: keep freed memory for the next request instead
/// of handing it back to the kernel at once, as Kafka's JVM keeps its heap (`-Xms1G -Xmx1G`).
///
/// Why: every produce request (and every follower's Fetch response) of up to 1 MB is read into a buffer of its
/// size. With glibc's defaults (a dynamic threshold that settles near the largest recent buffer and trims the heap
/// above twice that), freed buffers go back to the kernel within a few requests, so the next one faults in and
/// zeroes fresh pages before the payload is copied in. Measured on 1 KiB produce (one broker, alternating runs):
/// 13-15% more throughput and 15-18% less broker CPU per GB with the thresholds below.
///
/// The cost: an arena keeps up to `trimThresholdBytes` of free memory after a burst (the peak of requests in
/// flight), as a JVM keeps its heap. Buffers above `mmapThresholdBytes` (the largest glibc accepts) still get their
/// own mapping, returned on free. An operator's own `GLIBC_TUNABLES` malloc settings take precedence: with any
/// `glibc.malloc.` tunable set, the broker changes nothing. Process-wide, so `gregor-server` calls it once at start.
public enum MallocPolicy {
    public static let trimThresholdBytes: Int32 = 256 << 20
    public static let mmapThresholdBytes: Int32 = 32 << 20

    public enum Outcome: Equatable, Sendable {
        case applied
        /// `GLIBC_TUNABLES` names malloc tunables: the operator's choice stands.
        case leftToGlibcTunables
        /// glibc rejected a value (mallopt returned 0): its defaults stay, which work, only slower.
        case refused
    }

    @discardableResult
    public static func apply(environment: [String: String], logger: Logger) -> Outcome {
        if let tunables = environment["GLIBC_TUNABLES"], tunables.contains("glibc.malloc.") {
            logger.info("GLIBC_TUNABLES sets malloc tunables; glibc's allocator stays as configured there")
            return .leftToGlibcTunables
        }
        let trim = mallopt(M_TRIM_THRESHOLD, trimThresholdBytes)
        let mmap = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes)
        guard trim == 1, mmap == 1 else {
            logger.warning(
                "glibc refused the allocator thresholds (mallopt returned \(trim), \(mmap)); using its defaults")
            return .refused
        }
        return .applied
    }
}
