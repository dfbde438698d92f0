"""ChatGLM-6B ptuning's evaluation (ptuning/main.py, compute_metrics), as the reference for
bench/generate-advertisegen.ts: BLEU-4 with NLTK's sentence_bleu on characters, smoothing
method 3, averaged over records; and the jieba words ChatGLM feeds its ROUGE (the `rouge`
package is not in Debian, so the TypeScript port `pyRouge` scores them).

Input: a JSON file {"preds": [...], "labels": [...]}. Output: one JSON line
{"bleu4": mean*100, "hypWords": [[...]], "refWords": [[...]]}.
"""
import json
import logging
import sys

import jieba
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

jieba.setLogLevel(logging.WARNING)
data = json.load(open(sys.argv[1], encoding="utf-8"))
smooth = SmoothingFunction().method3
scores = []
hyp_words = []
ref_words = []
for pred, label in zip(data["preds"], data["labels"]):
    hyp_words.append(list(jieba.cut(pred)))
    ref_words.append(list(jieba.cut(label)))
    scores.append(round(sentence_bleu([list(label)], list(pred), smoothing_function=smooth) * 100, 4))
print(json.dumps({"bleu4": sum(scores) / len(scores), "hypWords": hyp_words, "refWords": ref_words}, ensure_ascii=False))
