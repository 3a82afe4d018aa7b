#pragma once
// AUTOMATIC1111's own reading of a "parameters" text, ported line by line for tests: parse_generation_parameters
// in modules/infotext_utils.py (v1.10), independent of Ripen's parser (core/imageio/a1111_infotext.cpp), so a
// test can check what A1111 and Civitai would make of a Ripen image.
//
// Ported as written: the text is strip()ped and split on "\n"; the last line holds the parameters only when
// re_param = \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$) finds 3 or more matches in it (else it is part of
// the prompt); lines up to one starting "Negative prompt:" are the prompt (joined with "\n"), that line less its 16
// characters and the lines after it the negative prompt; each findall match k, v becomes res[k] = v, a value in
// quotes json.loads()ed (unquote), one matching ^(\d+)x(\d+)$ split into res["k-1"], res["k-2"], and an empty value
// (v[0] raises IndexError, which the loop catches) left out. Then the defaults it adds for absent keys (Clip skip 1,
// Hires resize 0x0, Hires sampler "Use same sampler", RNG "GPU", Schedule type "Automatic", ...).
// Left out, as they change nothing with A1111's default options: prompt styles (none defined), the old hires-fix
// size rule (use_old_hires_fix_width_height off; no "First pass size"), version back-compat (no "Version" key),
// infotext_skip_pasting (empty). std::regex's \w and \s are ASCII where Python's are Unicode: Ripen's keys are ASCII.
#include <map>
#include <string>

namespace ripen::test {

std::map<std::string, std::string> a1111_parse_generation_parameters(const std::string& text);

}  // namespace ripen::test
