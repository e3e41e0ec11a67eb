import ArgumentParser
import Foundation
import TickwireModel
import TickwireService
import TickwireStore

/// The demo accounts `serve --demo` creates (documented in the README).
enum DemoAccounts {
    static let all = [
        NewUser(username: "alice", password: "tickwire-demo", role: .user),
        NewUser(username: "bob", password: "tickwire-demo", role: .user),
        NewUser(username: "ops", password: "tickwire-demo", role: .admin),
    ]
}

/// Options shared by the commands that work on the database directly.
struct DatabaseOption: ParsableArguments {
    @Option(help: "SQLite file path or postgres:// URL (env TICKWIRE_DATABASE or DATABASE_URL, default ./tickwire.db).")
    var database: String?

    func accounts() async throws -> AccountService {
        let environment = ProcessInfo.processInfo.environment
        let location = database ?? environment["TICKWIRE_DATABASE"] ?? environment["DATABASE_URL"] ?? "./tickwire.db"
        return AccountService(store: try await StoreLocation.open(location, poolSize: 2))
    }
}

/// `tickwire users create|list|set-password|disable`. Works on the database file, with or without a running
/// server. Streams of a disabled user close at once when this goes through the API (`PATCH /api/v1/users/{id}`);
/// from the command line, the running server refuses the user's next request.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage users.", subcommands: [Create.self, List.self, SetPassword.self, Disable.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from stdin.")
        @OptionGroup var options: DatabaseOption
        @Argument(help: "Username: 3-40 of a-z, 0-9, '_', '.', '-'.") var username: String
        @Flag(help: "Make the user an admin.") var admin = false

        func run() async throws {
            let password = try readPassword()
            let user = try await options.accounts().createUser(
                NewUser(username: username, password: password, role: admin ? .admin : .user))
            print("created user \(user.id) '\(user.username)' (\(user.role.rawValue))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: DatabaseOption

        func run() async throws {
            for user in try await options.accounts().reader.users() {
                print("\(user.id)\t\(user.username)\t\(user.role.rawValue)\t\(user.disabled ? "disabled" : "active")")
            }
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password", abstract: "Set a user's password (read from stdin); ends their sessions.")
        @OptionGroup var options: DatabaseOption
        @Argument var username: String

        func run() async throws {
            let accounts = try await options.accounts()
            let user = try await findUser(username, in: accounts)
            _ = try await accounts.updateUser(id: user.id, UserPatch(password: try readPassword()))
            print("password of '\(username)' changed")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: their credentials stop working.")
        @OptionGroup var options: DatabaseOption
        @Argument var username: String

        func run() async throws {
            let accounts = try await options.accounts()
            let user = try await findUser(username, in: accounts)
            _ = try await accounts.updateUser(id: user.id, UserPatch(disabled: true))
            print("user '\(username)' disabled")
        }
    }
}

/// `tickwire tokens create|list|revoke`: API keys for bot processes.
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; prints it once.")
        @OptionGroup var options: DatabaseOption
        @Option(help: "The user the key acts as.") var user: String
        @Option(help: "A name to recognise the key by.") var name: String
        @Option(help: "Scopes: read, write (comma-separated, default both).") var scopes = "read,write"

        func run() async throws {
            let accounts = try await options.accounts()
            let owner = try await findUser(user, in: accounts)
            var parsed: [Scope] = []
            for name in scopes.split(separator: ",") {
                guard let scope = Scope(rawValue: String(name)) else {
                    throw ValidationError("unknown scope '\(name)'; use read, write")
                }
                parsed.append(scope)
            }
            let (_, token) = try await accounts.createAPIKey(for: owner.id, NewAPIKey(name: name, scopes: parsed))
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets).")
        @OptionGroup var options: DatabaseOption

        func run() async throws {
            for key in try await options.accounts().reader.apiKeys(userId: nil) {
                let state = key.revokedAt == nil ? "active" : "revoked"
                print(
                    "\(key.id)\tuser \(key.userId)\t\(key.name)\t\(key.scopes.map(\.rawValue).joined(separator: ","))\t\(state)"
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key by its id.")
        @OptionGroup var options: DatabaseOption
        @Argument var id: String

        func run() async throws {
            _ = try await options.accounts().revokeAPIKey(id: id)
            print("key \(id) revoked")
        }
    }
}

private func findUser(_ username: String, in accounts: AccountService) async throws -> User {
    guard let user = try await accounts.user(named: username) else {
        throw ValidationError("no user named '\(username)'")
    }
    return user
}

/// One line from stdin (so that a password never appears in the shell history or the process list).
private func readPassword() throws -> String {
    FileHandle.standardError.write(Data("password: ".utf8))
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("no password on stdin")
    }
    return line
}
