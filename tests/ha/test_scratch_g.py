import json
from homeassistant.core import HomeAssistant
from custom_components.llm_intent.engine.prompt import build_request
from custom_components.llm_intent.engine.context import Context
from custom_components.llm_intent.engine.tokens import TokenCounter
from custom_components.llm_intent.engine.llm import request_messages

async def test_scratch(hass: HomeAssistant, openai_entry) -> None:
    rt = openai_entry.runtime_data
    home = rt.homes.home()
    req = build_request("zrób mi kawę", "pl", rt.catalogue, home, Context())
    print("SYSTEM\n" + req.system)
    print("USER\n" + req.user)
    c = TokenCounter(); c.prepare()
    print("COUNT", c.count_chat_request("gpt-4o-mini", request_messages(req), response_format=req.schema))
    print("SYS", c.count_text(req.system), "SCHEMA", c.count_text(json.dumps(req.schema)))
