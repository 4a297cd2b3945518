# Builds a manual page's Markdown from its template (TEMPLATE) and the key tables of
# docs/configuration.md (DOC), the same tables the unit tests compare with the parsers.
#   cmake -DTEMPLATE=... -DDOC=... -DOUT=... -DVERSION=... -P assemble.cmake
# @CONFIG_KEYS@ and @TOPOLOGY_KEYS@ are replaced by the text between the markers
# "<!-- NAME keys: begin -->" and "<!-- NAME keys: end -->"; @PROJECT_VERSION@ by VERSION.
file(READ "${DOC}" doc)
function(section name out)
  string(FIND "${doc}" "<!-- ${name} keys: begin -->" b)
  string(FIND "${doc}" "<!-- ${name} keys: end -->" e)
  if(b EQUAL -1 OR e EQUAL -1)
    message(FATAL_ERROR "${DOC}: no '${name} keys' markers")
  endif()
  string(LENGTH "<!-- ${name} keys: begin -->" len)
  math(EXPR b "${b} + ${len}")
  math(EXPR n "${e} - ${b}")
  string(SUBSTRING "${doc}" ${b} ${n} text)
  # Subsections of the document are subsections of the page.
  string(REPLACE "\n### " "\n## " text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
section("pchatd.toml" config_keys)
section("topology" topology_keys)
file(READ "${TEMPLATE}" page)
string(REPLACE "@CONFIG_KEYS@" "${config_keys}" page "${page}")
string(REPLACE "@TOPOLOGY_KEYS@" "${topology_keys}" page "${page}")
string(REPLACE "@PROJECT_VERSION@" "${VERSION}" page "${page}")
file(WRITE "${OUT}" "${page}")
