# Turns a text file into a C++ unit defining onair::embedded::<NAME>() returning its bytes.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUT} "#include <string_view>\nnamespace onair::embedded {\nstatic const char kData[] = {${bytes} 0};\nstd::string_view ${NAME}() { return {kData, sizeof(kData) - 1}; }\n}\n")
