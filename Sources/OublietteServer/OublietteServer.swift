import MCP
import OublietteCore
