import time
from custom_components.llm_intent.engine.names import NameIndex, NameEntry
from custom_components.llm_intent.engine.polish_forms import polish_forms
from custom_components.llm_intent.engine.normalize import fold, sanitize, parse_number, tokens
areas = ["Salon","Kuchnia","Sypialnia","Sypialnia główna","Łazienka","Pokój dziecięcy","Przedpokój","Gabinet","Jadalnia","Garaż","Ogród","Biuro","Pralnia","Strych","Piwnica","Balkon","Taras","Korytarz"]
ents = ["Lampa stojąca","Lampka nocna","Światło sufitowe","Roleta","Wentylator","Telewizor","Termostat","Drzwi wejściowe","Brama garażowa","Odkurzacz"]
for w in ["łazienka","pokój","ogród","światło","stojąca","dziecięcy","kuchnia","piwnica"]:
    print(w, sorted(polish_forms(w)))
ai = NameIndex([NameEntry(a.lower(), (a,)) for a in areas], "pl")
ei = NameIndex([NameEntry(a.lower(), (a,)) for a in ents], "pl")
for t in ["włącz światło w salonie","w kuchni","w sypialni głównej","w sypialni","w głównej sypialni","w łazience","w pokoju dziecięcym","w przedpokoju","w gabinecie","w jadalni","w garażu","w ogrodzie","w biurze","na strychu","w piwnicy","na balkonie","na tarasie","na korytarzu","otwórz bramę garażową","która jest godzina","ustaw 22 stopnie"]:
    print(t, ai.find_all(t))
for t in ["włącz lampę stojącą","lampkę nocną","nocną lampkę","światło sufitowe","roletę","rolety","wentylator","drzwi wejściowe","bramę garażową","odkurzacz","lampę nocną","włącz światło"]:
    print(t, ei.find_all(t))
t0=time.perf_counter()
big = [NameEntry(f"a{i}", (areas[i%len(areas)]+f" {i}",)) for i in range(50)] + [NameEntry(f"e{i}", (ents[i%len(ents)]+f" numer{i}", "alias "+ents[(i+3)%len(ents)])) for i in range(300)]
polish_forms.cache_clear()
idx = NameIndex(big, "pl")
t1=time.perf_counter()
for _ in range(1000): idx.find_all("włącz lampę stojącą w salonie na pięćdziesiąt procent")
t2=time.perf_counter()
print("build ms", (t1-t0)*1000, "lookup ms", (t2-t1))
