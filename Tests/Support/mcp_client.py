#!/usr/bin/env python3
"""Drives `oubliette serve` over stdio with the official Python MCP SDK (PyPI `mcp`), as an
agent's client would: initialize, tools/list, a tools/call, then close stdin.

Usage: mcp_client.py OUBLIETTE_BINARY   (the server's environment is this process's)
Prints one JSON object: {"protocol": ..., "tools": [...], "call": {...}}; exit 0 on success.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(binary):
    parameters = StdioServerParameters(command=binary, args=["serve"], env=dict(os.environ))
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            tools = await session.list_tools()
            call = await session.call_tool("project_options", {})
            text = "".join(getattr(item, "text", "") for item in call.content)
            print(json.dumps({
                "protocol": initialized.protocolVersion,
                "server": initialized.serverInfo.name,
                "tools": sorted(tool.name for tool in tools.tools),
                "call": {"isError": call.isError, "text": text},
            }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
