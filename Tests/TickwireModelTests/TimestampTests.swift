import Testing
import TickwireModel

@Suite struct TimestampTests {
    @Test func formatsWithMillisecondsInUTC() {
        #expect(Timestamp(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 1_737_720_000_123).iso8601 == "2025-01-24T12:00:00.123Z")
        #expect(Timestamp(milliseconds: 951_782_400_000).iso8601 == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }

    @Test func parsesWhatItFormats() {
        for ms: Int64 in [0, 1, 999, 86_399_999, 951_782_400_000, 1_737_720_000_123, 4_102_444_800_000, -86_400_001] {
            let text = Timestamp(milliseconds: ms).iso8601
            #expect(Timestamp(iso8601: text)?.milliseconds == ms, "\(text)")
        }
    }

    @Test func parsesOffsetsAndFractions() {
        #expect(Timestamp(iso8601: "2025-01-24T12:00:00Z")?.milliseconds == 1_737_720_000_000)
        #expect(Timestamp(iso8601: "2025-01-24T13:30:00+01:30")?.milliseconds == 1_737_720_000_000)
        #expect(Timestamp(iso8601: "2025-01-24T12:00:00.5Z")?.milliseconds == 1_737_720_000_500)
        #expect(Timestamp(iso8601: "2025-01-24T12:00:00.123456Z")?.milliseconds == 1_737_720_000_123)
        #expect(Timestamp(iso8601: "2025-01-24T07:00:00-05:00")?.milliseconds == 1_737_720_000_000)
    }

    @Test(arguments: [
        "", "2025-01-24", "2025-01-24T12:00:00", "2025-13-01T00:00:00Z", "2025-01-24T25:00:00Z",
        "2025-01-24T12:00:00.Z",
        "2025-01-24T12:00:00Zjunk", "yesterday", "2025-1-24T12:00:00Z",
    ])
    func refusesMalformedText(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }
}
