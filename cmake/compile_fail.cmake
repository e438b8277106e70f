# Compile-failure test, run as:
#   cmake -DCXX="<compiler>[|<arg>...]" -DFLAGS="<flag>|<flag>..." -DSOURCE=<file.cpp>
#         -P compile_fail.cmake
# (lists separated by | so that they pass unharmed through add_test and meson's test()).
#
# SOURCE opens with `// expect: <substring>` (normally the text of a static_assert). The test
# passes only if compiling SOURCE fails AND the diagnostics contain that substring, so a file that
# fails for an unrelated reason (a typo, a missing include) is not a pass. Where g++ and clang++
# word a diagnostic differently, further `// expect:` lines right below give alternatives (any
# one must appear). Diagnostics are read in the C locale (plain ASCII quotes).
# Used by tests/CMakeLists.txt and tests/meson.build alike.
foreach(var CXX SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "compile_fail.cmake: -D${var}=... is required")
  endif()
endforeach()

string(REPLACE "|" ";" CXX "${CXX}")
string(REPLACE "|" ";" FLAGS "${FLAGS}")
file(STRINGS "${SOURCE}" head LIMIT_COUNT 10)
set(expected "")
foreach(line IN LISTS head)
  if(line MATCHES "^// expect: (.+)$")
    string(STRIP "${CMAKE_MATCH_1}" e)
    list(APPEND expected "${e}")
  else()
    break()
  endif()
endforeach()
if(NOT expected)
  message(FATAL_ERROR "${SOURCE}: first line must be `// expect: <diagnostic substring>`")
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C ${CXX} ${FLAGS} -fsyntax-only "${SOURCE}"
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)

if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE}: compiled, but it must fail with \"${expected}\"")
endif()
foreach(e IN LISTS expected)
  string(FIND "${out}" "${e}" at)
  if(NOT at EQUAL -1)
    message(STATUS "${SOURCE}: fails to compile with \"${e}\", as expected")
    return()
  endif()
endforeach()
message(FATAL_ERROR
  "${SOURCE}: failed to compile, but the diagnostics contain none of \"${expected}\":\n${out}")
