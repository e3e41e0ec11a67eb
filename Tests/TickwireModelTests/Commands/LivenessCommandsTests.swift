import Testing

@testable import TickwireModel

/// Heartbeats and the stale flag, decided on a pure value.
@Suite struct LivenessCommandsTests {
    static func bot(seconds: Double?, status: BotStatus = .active) -> Bot {
        var bot = Fixtures.bot(status: status)
        if let seconds { bot.config["heartbeat_seconds"] = .number(seconds) }
        return bot
    }

    static func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: 1_000_000 + seconds * 1000) }

    @Test func heartbeatsTellTheDashboardAtMostEveryThirtySeconds() {
        let bot = Self.bot(seconds: 10)
        let first = LivenessCommands.heartbeat(bot, previous: nil, at: Self.at(0))
        #expect(first.events.map(\.type) == [.botSeen])
        let soon = LivenessCommands.heartbeat(bot, previous: first.value, at: Self.at(5))
        #expect(soon.events.isEmpty)
        #expect(soon.value.lastSeen == Self.at(5))
        // Every 5 s: told once per 30-second window (1,000 s + 0 is in the window that starts at 990 s).
        var previous = soon.value
        var told = 0
        for second in stride(from: 10, through: 120, by: 5) {
            let beat = LivenessCommands.heartbeat(bot, previous: previous, at: Self.at(Int64(second)))
            told += beat.events.count
            previous = beat.value
        }
        #expect(told == 4, "windows starting at 1,020, 1,050, 1,080 and 1,110 s")
        let later = LivenessCommands.heartbeat(bot, previous: previous, at: Self.at(121))
        var stale = later.value
        stale.stale = true
        let back = LivenessCommands.heartbeat(bot, previous: stale, at: Self.at(32))
        #expect(back.events.map(\.type) == [.botAlive])
        #expect(back.value.stale == false)
    }

    @Test func aBotSilentPastItsIntervalIsFlaggedOnceAndUnflaggedWhenSeen() {
        let bot = Self.bot(seconds: 10)
        let seen = Liveness(botId: bot.id, lastSeen: Self.at(0), stale: false)
        #expect(LivenessCommands.sweep([(bot, seen)], at: Self.at(10)).value.isEmpty, "10 s is not past 10 s")
        let flagged = LivenessCommands.sweep([(bot, seen)], at: Self.at(11))
        #expect(flagged.value.map(\.stale) == [true])
        #expect(flagged.events.map(\.type) == [.botStale])
        #expect(flagged.events.first?.ownerId == bot.ownerId)
        let again = LivenessCommands.sweep([(bot, flagged.value[0])], at: Self.at(20))
        #expect(again.value.isEmpty, "flagged once")
        // Its order or log writes moved last_seen: the next sweep unflags it.
        var written = flagged.value[0]
        written.lastSeen = Self.at(19)
        let alive = LivenessCommands.sweep([(bot, written)], at: Self.at(20))
        #expect(alive.events.map(\.type) == [.botAlive])
    }

    @Test func onlyRunningBotsWithAnIntervalAreWatched() {
        let old = Liveness(botId: 3, lastSeen: Self.at(0), stale: false)
        #expect(LivenessCommands.sweep([(Self.bot(seconds: nil), old)], at: Self.at(1_000)).value.isEmpty)
        #expect(
            LivenessCommands.sweep([(Self.bot(seconds: 5, status: .stopped), old)], at: Self.at(1_000)).value.isEmpty)
        #expect(LivenessCommands.sweep([(Self.bot(seconds: 5, status: .paused), old)], at: Self.at(1_000)).changes)
    }
}
