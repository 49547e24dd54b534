import sys, json
sys.path.insert(0,'/tmp/bare')
from set import S, ITEMS
from rag.config import load_config
from rag.llm import load_generator
from rag.answering import faithful
from rag.text.english import with_english_figures
import re
cfg = load_config()
g = load_generator(cfg.llm_model, cfg.llm_url, cfg.llm_timeout, backend=cfg.llm_backend, threads=cfg.llm_threads or None, context=cfg.llm_context)
out=[]
for src, q, a, right in ITEMS:
    en = bool(re.match(r'[A-Za-z]', q))
    source = with_english_figures(S[src]) if en else S[src]
    p = g.yes_probability(faithful.messages(a, source, q))
    out.append(dict(src=src,q=q,a=a,right=right,p=p))
    print(f"{right} {p:.3f} {a} | {q}", flush=True)
json.dump(out, open(sys.argv[1],'w'), ensure_ascii=False, indent=1)
