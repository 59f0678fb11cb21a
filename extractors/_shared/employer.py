"""The employer's name as printed: at least four characters ending in a legal form or an
institution word (有限公司, 集团, 研究院 ...). The suffixes are data (doc_fields.yaml `employer`);
a doc type may add its own (a labour contract's 事务所, a form's 大学) or read Chinese names only
(the social-insurance table)."""

from __future__ import annotations

import re
from functools import cache

from extractors._shared.labels import field_table
from pipeline.core.text import HAN


@cache
def employer_pattern(doc_type: str) -> re.Pattern[str]:
    table = field_table()
    base, own = table.employer, table.doc_types[doc_type].employer
    suffixes = list(dict.fromkeys([*base.suffixes, *own.extra_suffixes]))
    latin = base.latin if own.latin is None else own.latin
    longest = own.max_length or base.max_length
    chars = HAN + "()（）" + ("A-Za-z&" if latin else "")
    ends = "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True))
    return re.compile(rf"[{chars}]{{4,{longest}}}?(?:{ends})")
