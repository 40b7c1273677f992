# ctest helper (cmake -P): fails unless README shows EXAMPLE verbatim in a cpp code block.
file(READ "${EXAMPLE}" example)
file(READ "${README}" readme)
string(FIND "${readme}" "```cpp\n${example}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show ${EXAMPLE} verbatim in a cpp block")
endif()
