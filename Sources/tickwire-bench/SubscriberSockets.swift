import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The subscribers of `bench stream`: plain sockets read by a few threads through `poll`, not SwiftNIO channels,
/// because `recvmsg` can hand back the kernel's receive timestamp (`SO_TIMESTAMPNS`), the moment an event's bytes
/// reached the subscriber's socket. On one machine the generator competes with the server for the cores, and the
/// time until it gets round to reading a socket is its own queue, not the server's latency; with a separate client
/// machine that part would not exist. Both figures are kept: arrival (the kernel's stamp) and read (the clock when
/// the bytes were read).
final class SubscriberSockets: @unchecked Sendable {
    /// One thread's share of the subscribers; touched only by that thread until it has stopped.
    final class Reader: @unchecked Sendable {
        /// The sockets (a closed one's descriptor is -1, which `poll` skips).
        var sockets: [pollfd] = []
        var scanners: [MarkerScanner] = []
        var closedEarly = 0
    }

    private let readers: [Reader]
    private let connectedCount = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    var connected: Int { connectedCount.load(ordering: .relaxed) }

    /// Opens `count` connections to `host:port`, each sending `request`, spread over `threads` reading threads.
    init(count: Int, host: String, port: Int, request: String, webSocket: Bool, threads: Int) throws {
        readers = (0..<max(1, threads)).map { _ in Reader() }
        let address = try Self.resolve(host: host, port: port)
        for index in 0..<count {
            let socket = try Self.connect(to: address)
            try Self.send(Array(request.utf8), on: socket)
            var on: Int32 = 1
            setsockopt(socket, SOL_SOCKET, Self.soTimestampNS, &on, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
            let reader = readers[index % readers.count]
            reader.sockets.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0))
            reader.scanners.append(MarkerScanner(webSocket: webSocket))
            if index % 1000 == 999 { print("connected \(index + 1)") }
        }
        for reader in readers {
            Thread { [self] in
                self.run(reader)
                self.finished.signal()
            }.start()
        }
    }

    /// Stops the threads and returns every subscriber's scanner, and how many connections the server closed.
    func stop() -> (scanners: [MarkerScanner], closedEarly: Int) {
        stopping.store(true, ordering: .relaxed)
        for _ in readers { finished.wait() }
        var scanners: [MarkerScanner] = []
        var closedEarly = 0
        for reader in readers {
            scanners += reader.scanners
            closedEarly += reader.closedEarly
            for socket in reader.sockets where socket.fd >= 0 { close(socket.fd) }
        }
        return (scanners, closedEarly)
    }

    private func run(_ reader: Reader) {
        let bufferSize = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        let control = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer {
            buffer.deallocate()
            control.deallocate()
        }
        while !stopping.load(ordering: .relaxed) {
            let ready = poll(&reader.sockets, nfds_t(reader.sockets.count), 50)
            guard ready > 0 else { continue }
            for index in reader.sockets.indices where reader.sockets[index].revents != 0 {
                let socket = reader.sockets[index].fd
                var vector = iovec(iov_base: buffer, iov_len: bufferSize)
                var message = msghdr()
                let count = withUnsafeMutablePointer(to: &vector) { vector in
                    message.msg_iov = vector
                    message.msg_iovlen = 1
                    message.msg_control = control
                    message.msg_controllen = 64
                    return recvmsg(socket, &message, 0)
                }
                let readAt = wallNanos()
                if count < 0, errno == EAGAIN || errno == EINTR { continue }
                guard count > 0 else {
                    // The server closed the connection (or it failed) before the end of the run.
                    close(socket)
                    reader.sockets[index].fd = -1
                    reader.closedEarly += 1
                    continue
                }
                let arrivedAt = Self.receiveTimestamp(message) ?? readAt
                let (reply, headComplete) = reader.scanners[index].take(
                    UnsafeRawBufferPointer(start: buffer, count: count), arrivedAt: arrivedAt, readAt: readAt)
                if headComplete { connectedCount.add(1, ordering: .relaxed) }
                if !reply.isEmpty { try? Self.send(reply, on: socket) }
            }
        }
    }

    // MARK: - Sockets

    /// `SO_TIMESTAMPNS` (and its control message type) on Linux; Glibc's macro is not visible from Swift.
    static let soTimestampNS: Int32 = 35

    /// The `SCM_TIMESTAMPNS` control message of a `recvmsg`, as wall-clock nanoseconds.
    static func receiveTimestamp(_ message: msghdr) -> UInt64? {
        guard let control = message.msg_control else { return nil }
        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then the data, aligned to size_t.
        let headerSize = MemoryLayout<Int>.size + 2 * MemoryLayout<Int32>.size
        var offset = 0
        while offset + headerSize <= Int(message.msg_controllen) {
            let length = control.load(fromByteOffset: offset, as: Int.self)
            let level = control.load(fromByteOffset: offset + MemoryLayout<Int>.size, as: Int32.self)
            let type = control.load(fromByteOffset: offset + MemoryLayout<Int>.size + 4, as: Int32.self)
            guard length >= headerSize else { return nil }
            if level == SOL_SOCKET, type == soTimestampNS {
                let stamp = control.loadUnaligned(fromByteOffset: offset + headerSize, as: timespec.self)
                return UInt64(stamp.tv_sec) * 1_000_000_000 + UInt64(stamp.tv_nsec)
            }
            offset += (length + MemoryLayout<Int>.size - 1) & ~(MemoryLayout<Int>.size - 1)
        }
        return nil
    }

    static func resolve(host: String, port: Int) throws -> sockaddr_in {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result,
            let address = first.pointee.ai_addr
        else { throw SocketError("getaddrinfo \(host)", errno) }
        defer { freeaddrinfo(result) }
        return UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
    }

    static func connect(to address: sockaddr_in) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw SocketError("socket", errno) }
        var address = address
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            let code = errno
            close(socket)
            throw SocketError("connect", code)
        }
        return socket
    }

    /// Writes all of `bytes` (small: a request, a frame); waits briefly if the socket is full.
    static func send(_ bytes: [UInt8], on socket: Int32) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                guard errno == EAGAIN || errno == EINTR else { throw SocketError("send", errno) }
                usleep(100)
                continue
            }
            sent += count
        }
    }

    struct SocketError: Error, CustomStringConvertible {
        let description: String
        init(_ call: String, _ code: Int32) { description = "\(call): \(String(cString: strerror(code)))" }
    }
}

/// Wall-clock nanoseconds: send times travel in the events, so both ends must use the same clock (one machine).
func wallNanos() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
