from custom_components.llm_intent.engine.names import NameIndex, NameEntry
from custom_components.llm_intent.engine.normalize import fold, sanitize, parse_number, tokens, find_number
en = NameIndex([NameEntry("kitchen",("Kitchen",)),NameEntry("living_room",("Living room",)),NameEntry("bedroom",("Bedroom",)),NameEntry("dining_room",("Dining room",))],"en")
for t in ["turn on the kitchen lights","switch off the living room","turn on the bedroom's lights","lights in the room","turn on the lights","turn on the kitchens lights"]:
    print(t, en.find_all(t))
print(en.resolve("the kitchen"), en.resolve("kitchen lights"), en.resolve("living_room"))
pl = NameIndex([NameEntry("sd",("Światło dzienne",)),NameEntry("salon",("Salon",)),NameEntry("sg",("Sypialnia główna",)), NameEntry("l1",("Lampa",)), NameEntry("l2",("Lampa",))],"pl")
for t in ["włącz światło","włącz światło w salonie","światło dzienne","w sypialni","włącz lampę", "w dziennym", "w salonie i w sypialni"]:
    print(t, pl.find_all(t), pl.candidates(t))
print(fold("Włącz ŚWIATŁO, w łazience!"), fold("22,5 stopnia"), fold("kitchen's"), fold("sa\u200blon"))
print(repr(sanitize("a\u202eb\u200d c\x00\n\td"+"x"*10)), len(sanitize("słowo "*2000)))
for s in ["dwadzieścia dwa", "dwadziescia jeden i pol", "pięćdziesiąt procent", "twenty two", "22", "22,5", "22.5", "pół", "twenty and a half", "dwadzieścia dwa przecinek pięć", "a hundred", "sto", "x"]:
    print(s, parse_number(tokens(s), "pl" if not s.startswith(("tw","a h")) else "en"))
print(find_number(tokens("ustaw jasność na pięćdziesiąt procent"), "pl"))
