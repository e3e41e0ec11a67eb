import NIOCore

/// A task executor that runs jobs on one event loop: the loop of the connection a transaction runs on.
///
/// Without it, each statement of a transaction costs two thread hops: postgres-nio completes the query on the
/// connection's event loop, the task resumes on the global pool, and its next statement is handed back to the loop.
/// Under load each hop can wait for a core. With the loop as the task's preferred executor the whole transaction runs
/// on the thread that reads the connection's replies, and a statement costs PostgreSQL's own round trip.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
