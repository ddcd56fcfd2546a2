import NIOCore

/// A connection's event loop as a Swift task executor (SE-0417). A request task that prefers it runs its
/// nonisolated code on the loop: a Fetch is decoded, answered and its answer written on the thread that read it,
/// without waking a thread of the shared pool and then the loop again (Kafka's network thread hands a request to a
/// handler thread and back; each hand-over here costs a wake-up on a busy machine, and a consumer or follower waits
/// for the answer before it asks again). A task that awaits an actor or another thread resumes here afterwards.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
