# One static library per folder of src/, each seeing only its own headers and those of the
# folders it depends on, so that an include against the data flow fails to compile:
#
#   autoscale_layer(env DEPENDS load service)
#
# builds autoscale_env from src/env/*.cpp. Its include path is a directory in the build tree that
# holds symlinks to src/env and to every folder env depends on, directly or not (and nothing
# else), so `#include "rl/agent.hpp"` from src/env is "No such file". Dependencies must be
# declared before their dependents, which makes the order of the calls the layering.
function(autoscale_layer name)
  cmake_parse_arguments(L "" "" "DEPENDS;LIBS" ${ARGN})
  set(visible ${name})
  set(dep_targets "")
  foreach(dep IN LISTS L_DEPENDS)
    get_property(dep_visible GLOBAL PROPERTY AUTOSCALE_LAYER_${dep})
    if(NOT dep_visible)
      message(FATAL_ERROR "autoscale_layer(${name}): '${dep}' is not a layer declared before it")
    endif()
    list(APPEND visible ${dep_visible})
    list(APPEND dep_targets autoscale_${dep})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  set_property(GLOBAL PROPERTY AUTOSCALE_LAYER_${name} ${visible})

  set(view ${PROJECT_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view})
  foreach(folder IN LISTS visible)
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${view}/${folder} SYMBOLIC)
  endforeach()

  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  add_library(autoscale_${name} STATIC ${sources})
  target_include_directories(autoscale_${name} PUBLIC ${view})
  target_link_libraries(autoscale_${name} PUBLIC ${dep_targets} ${L_LIBS})
endfunction()
