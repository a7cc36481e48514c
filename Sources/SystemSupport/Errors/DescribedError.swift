import Foundation

/// The error convention of this package: every error type states its user-facing text once,
/// in `description`, and `LocalizedError` (what `localizedDescription` and most printers use)
/// answers with the same text.
public protocol DescribedError: LocalizedError, CustomStringConvertible {}

extension DescribedError {
    public var errorDescription: String? { description }
}

/// The text to show a person for any error: ours say what to do; others fall back to
/// Foundation's description.
public func describe(_ error: any Error) -> String {
    if let described = error as? any DescribedError { return described.description }
    if let localized = (error as? LocalizedError)?.errorDescription { return localized }
    return String(describing: error)
}
