# The prebuilt llama.cpp that tests/llama/prepare.sh unpacks, as one target for the programs that
# link it (tests/llama's driver, bench/llama's side-by-side benchmark):
#
#   include(<repo>/tests/llama/llama_prebuilt.cmake)
#   target_link_libraries(prog PRIVATE llama_prebuilt)
#   set_target_properties(prog PROPERTIES BUILD_RPATH "${LLAMA_LIB_DIR}")
#
# Cache variables: GEMMA4_INCLUDE_DIR (gemma4's include/), LLAMA_SOURCE_DIR (llama.cpp's source,
# for llama.h and ggml.h), LLAMA_LIB_DIR (the prebuilt libllama / libggml*.so), LLAMA_RELEASE.
# llama_prebuilt gives llama.cpp's headers as system headers, links libllama / libggml /
# libggml-base dynamically and defines GEMMA4_LLAMA_LIBDIR (the folder ggml's CPU backends,
# libggml-cpu-<arch>.so, are loaded from at run time) and GEMMA4_LLAMA_RELEASE.
set(GEMMA4_INCLUDE_DIR "" CACHE PATH "gemma4's include/")
set(LLAMA_SOURCE_DIR "" CACHE PATH "llama.cpp source (for llama.h, ggml.h)")
set(LLAMA_LIB_DIR "" CACHE PATH "folder of the prebuilt libllama / libggml*.so")
set(LLAMA_RELEASE "unknown" CACHE STRING "llama.cpp release of the prebuilt libraries")
foreach(v GEMMA4_INCLUDE_DIR LLAMA_SOURCE_DIR LLAMA_LIB_DIR)
  if(NOT IS_DIRECTORY "${${v}}")
    message(FATAL_ERROR "${v} must name a folder (got '${${v}}')")
  endif()
endforeach()

file(GLOB _llama ${LLAMA_LIB_DIR}/libllama.v*.so ${LLAMA_LIB_DIR}/libllama.so)
file(GLOB _ggml ${LLAMA_LIB_DIR}/libggml.v*.so ${LLAMA_LIB_DIR}/libggml.so)
file(GLOB _ggml_base ${LLAMA_LIB_DIR}/libggml-base.so)
if(NOT _llama OR NOT _ggml OR NOT _ggml_base)
  message(FATAL_ERROR "no libllama / libggml / libggml-base in ${LLAMA_LIB_DIR}")
endif()

add_library(llama_prebuilt INTERFACE)
target_include_directories(llama_prebuilt SYSTEM INTERFACE
  ${LLAMA_SOURCE_DIR}/include ${LLAMA_SOURCE_DIR}/ggml/include)
target_link_libraries(llama_prebuilt INTERFACE ${_llama} ${_ggml} ${_ggml_base})
target_compile_definitions(llama_prebuilt INTERFACE
  GEMMA4_LLAMA_LIBDIR="${LLAMA_LIB_DIR}" GEMMA4_LLAMA_RELEASE="${LLAMA_RELEASE}")
