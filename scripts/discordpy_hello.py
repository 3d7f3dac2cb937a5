"""discord.py's getting-started bot, run against the tether emulator.

The bot is the classic example from discord.py's documentation: it answers
`$hello` with `Hello!` and ignores its own messages. The harness around it
points discord.py at the emulator, makes the emulator's simulated user say
`$hello` once the bot is ready, and waits until the emulator holds the bot's
reply. Exit status 0 means the exchange happened.

Usage: python3 discordpy_hello.py CONTROL_URL
"""

import asyncio
import json
import sys
import urllib.request

import discord
import yarl


def control(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def main():
    control_url = sys.argv[1].rstrip("/")
    world = control(control_url)
    # discord.py builds every REST URL from Route.BASE, and opens its first
    # gateway connection on DiscordWebSocket.DEFAULT_GATEWAY; both point at
    # the emulator. Resumes use the emulator's resume_gateway_url from READY.
    discord.http.Route.BASE = world["api_base"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(world["gateway_url"] + "/")

    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents)
    outcome = {"reply": None}

    # --- the getting-started bot, as in discord.py's quickstart ---
    @client.event
    async def on_ready():
        print(f"We have logged in as {client.user}")
        await asyncio.to_thread(say_hello)

    @client.event
    async def on_message(message):
        if message.author == client.user:
            return
        if message.content.startswith("$hello"):
            await message.channel.send("Hello!")
    # --- end of the bot ---

    def say_hello():
        channel = world["channel_id"]
        said = control(
            f"{control_url}/channels/{channel}/messages",
            "POST",
            {"author_id": world["human_id"], "content": "$hello"},
        )
        print(f"alice said {said['content']!r}")

    async def watch():
        channel = world["channel_id"]
        for _ in range(200):
            messages = await asyncio.to_thread(
                control, f"{control_url}/channels/{channel}/messages"
            )
            for m in messages:
                if m["author"]["id"] == world["bot_user_id"] and m["content"] == "Hello!":
                    outcome["reply"] = m
                    await client.close()
                    return
            await asyncio.sleep(0.1)
        await client.close()

    async def run():
        async with client:
            watcher = asyncio.create_task(watch())
            await client.start(world["bot_token"])
            await watcher

    asyncio.run(asyncio.wait_for(run(), timeout=60))
    if outcome["reply"] is None:
        print("FAIL: the emulator never saw the bot's reply")
        sys.exit(1)
    print(f"the emulator saw the bot's reply: {outcome['reply']['content']!r}")


if __name__ == "__main__":
    main()
