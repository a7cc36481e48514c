import MCP
import OCIDistribution

/// The tools the server offers, with their JSON input schemas. There is deliberately no
/// image-rebuild tool: agents may refresh a container, not change how images are made.
enum ToolCatalog {
    static let projectID: Value = .object([
        "type": "string",
        "description": "The project's ID as returned by project_create or project_list.",
    ])

    static let all: [Tool] = [
        Tool(
            name: "project_options",
            description: "List the container types a project can use (from the oubliette config), with their images.",
            inputSchema: schema([:]),
            annotations: .init(readOnlyHint: true)
        ),
        Tool(
            name: "project_create",
            description: "Create a project: makes sure the type's image is present (pulling it if missing), then creates and starts the project's container.",
            inputSchema: schema(
                [
                    "name": .object(["type": "string", "description": "A short descriptive project name, unique among projects."]),
                    "type": .object(["type": "string", "description": "A container type from project_options (e.g. base, dev)."]),
                ], required: ["name", "type"]),
            annotations: .init(destructiveHint: false, idempotentHint: false)
        ),
        Tool(
            name: "project_list",
            description: "List every project with its container state and number of active sessions.",
            inputSchema: schema([:]),
            annotations: .init(readOnlyHint: true)
        ),
        Tool(
            name: "project_get",
            description: "Show one project: type, image, container ID and state, active sessions.",
            inputSchema: schema(["project_id": projectID], required: ["project_id"]),
            annotations: .init(readOnlyHint: true)
        ),
        Tool(
            name: "project_delete",
            description: "Delete a project: stops and removes its container and forgets its sessions.",
            inputSchema: schema(["project_id": projectID], required: ["project_id"]),
            annotations: .init(destructiveHint: true, idempotentHint: false)
        ),
        Tool(
            name: "session_start",
            description: "Start a working session on a project. While a project has active sessions its container is not refreshed.",
            inputSchema: schema(
                [
                    "project_id": projectID,
                    "label": .object(["type": "string", "description": "Optional note on what the session is for."]),
                ], required: ["project_id"]),
            annotations: .init(destructiveHint: false, idempotentHint: false)
        ),
        Tool(
            name: "session_end",
            description: "End a session started with session_start.",
            inputSchema: schema(
                [
                    "session_id": .object(["type": "string", "description": "The ID session_start returned."])
                ], required: ["session_id"]),
            annotations: .init(destructiveHint: false, idempotentHint: false)
        ),
        Tool(
            name: "session_list",
            description: "List active sessions, grouped by project; only one project's when project_id is given.",
            inputSchema: schema(["project_id": projectID]),
            annotations: .init(readOnlyHint: true)
        ),
        Tool(
            name: "container_refresh",
            description:
                "Pull the latest image for the project's type and replace its container with a fresh one. Refused while the project has active sessions.",
            inputSchema: schema(["project_id": projectID], required: ["project_id"]),
            annotations: .init(destructiveHint: true, idempotentHint: false)
        ),
    ]

    private static func schema(_ properties: [String: Value], required: [String] = []) -> Value {
        var object: [String: Value] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { object["required"] = .array(required.map { .string($0) }) }
        return .object(object)
    }
}
