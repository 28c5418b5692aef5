"""The English-French pairs of the translation experiments: the real ``fra-eng`` file of
the book's data hub when a verified copy is found (``../data``, ``$EMBER_DATA``, the cache;
never downloaded here), else a small set generated from a grammar (subject, "to be" and
an adjective, with or without "not"; subject and a verb in the past), in the same format.
"""

SUBJECTS = [("i", "je", "j'", "am", "suis", "ai", False), ("you", "tu", "tu", "are", "es", "as", False),
            ("he", "il", "il", "is", "est", "a", False), ("she", "elle", "elle", "is", "est", "a", False),
            ("we", "nous", "nous", "are", "sommes", "avons", True),
            ("they", "ils", "ils", "are", "sont", "ont", True)]
# French adjectives that take only an -s in the plural and are the same for both genders.
ADJECTIVES = [("calm", "calme"), ("rich", "riche"), ("sick", "malade"), ("sad", "triste"),
              ("free", "libre"), ("young", "jeune"), ("wise", "sage"), ("shy", "timide"),
              ("honest", "honnête"), ("kind", "aimable"), ("famous", "célèbre"),
              ("weak", "faible"), ("funny", "drôle"), ("useful", "utile")]
PAST = [("lost", "perdu"), ("won", "gagné"), ("ate", "mangé"), ("slept", "dormi"),
        ("ran", "couru"), ("cried", "pleuré"), ("paid", "payé"), ("waited", "attendu"),
        ("swam", "nagé"), ("sang", "chanté"), ("danced", "dansé"), ("called", "appelé")]

# Sentences to translate and their references (the book's style: a few short ones).
ENGLISH = ["i lost .", "he is calm .", "we are not rich .", "they won ."]
FRENCH = ["j'ai perdu .", "il est calme .", "nous ne sommes pas riches .", "ils ont gagné ."]
REAL_ENGLISH = ["go .", "i lost .", "he's calm .", "i'm home ."]
REAL_FRENCH = ["va !", "j'ai perdu .", "il est calme .", "je suis chez moi ."]


def generated_text():
    """The generated pairs as the text of ``fra.txt``: ``English<TAB>French`` lines, with
    capitals and punctuation attached as in the real file."""
    lines = []
    for en, fr, fr_elided, be, etre, avoir, plural in SUBJECTS:
        for adj_en, adj_fr in ADJECTIVES:
            adj = adj_fr + ("s" if plural else "")
            lines.append(f"{en.capitalize()} {be} {adj_en}.\t{fr.capitalize()} {etre} {adj}.")
            ne = "n'" if etre[0] in "aeiou" else "ne "
            lines.append(f"{en.capitalize()} {be} not {adj_en}.\t"
                         f"{fr.capitalize()} {ne}{etre} pas {adj}.")
        for past_en, past_fr in PAST:
            subject = fr_elided if fr_elided.endswith("'") else fr_elided + " "
            lines.append(f"{en.capitalize()} {past_en}.\t{(subject + avoir).capitalize()} "
                         f"{past_fr}.")
    return "\n".join(lines) + "\n"


def load_pairs(batch_size, num_steps, quick):
    """``(data_iter, src_vocab, tgt_vocab, source, english, french)``: the book's
    ``load_data_nmt`` on the real pairs (600 of them) when found and not ``quick``, else
    the same steps on the generated pairs; ``english``/``french`` are test sentences and
    references; ``source`` says which data was used."""
    from ember import d2l
    if not quick and d2l.find_data("fra-eng") is not None:
        data_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(batch_size, num_steps)
        return data_iter, src_vocab, tgt_vocab, "fra-eng", REAL_ENGLISH, REAL_FRENCH
    source, target = d2l.tokenize_nmt(d2l.preprocess_nmt(generated_text()))
    reserved = ["<pad>", "<bos>", "<eos>"]
    src_vocab = d2l.Vocab(source, min_freq=2, reserved_tokens=reserved)
    tgt_vocab = d2l.Vocab(target, min_freq=2, reserved_tokens=reserved)
    src_array, src_valid_len = d2l.build_array_nmt(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = d2l.build_array_nmt(target, tgt_vocab, num_steps)
    data_iter = d2l.load_array((src_array, src_valid_len, tgt_array, tgt_valid_len),
                               batch_size)
    return data_iter, src_vocab, tgt_vocab, f"generated ({len(source)} pairs)", ENGLISH, FRENCH


def translate_all(net, src_vocab, tgt_vocab, num_steps, english, french, report,
                  save_attention_weights=False):
    """Translate each sentence, print it with its BLEU (k=2) and report the mean BLEU;
    returns the last translation's attention weights."""
    from ember import d2l
    scores, translations, weights = [], [], None
    for eng, fra in zip(english, french):
        translation, weights = d2l.predict_seq2seq(net, eng, src_vocab, tgt_vocab, num_steps,
                                                   d2l.try_gpu(), save_attention_weights)
        # BLEU with 2-grams needs two predicted tokens; a shorter translation scores 0.
        score = d2l.bleu(translation, fra, k=2) if len(translation.split(" ")) >= 2 else 0.0
        scores.append(score)
        translations.append(translation)
        print(f"{eng} => {translation}, bleu {score:.3f}")
    report("translations", translations)
    report("mean BLEU", sum(scores) / len(scores))
    return weights
