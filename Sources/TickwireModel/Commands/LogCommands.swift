/// Appending activity-log lines, each an event of its own.
public enum LogCommands {
    /// A line without a timestamp happened now.
    public static func append(_ logs: [NewLog], at now: Timestamp) -> Creation<[ActivityLog], [Int64]> {
        let rows = logs.map { log in
            ActivityLog(
                id: 0, botId: log.botId, level: log.level, message: log.message, timestamp: log.timestamp ?? now)
        }
        return Creation(row: rows) { ids in
            let created = zip(rows, ids).map { row, id in
                var log = row
                log.id = id
                return log
            }
            return Decision(created, events: created.map(EventDraft.logCreated))
        }
    }
}
