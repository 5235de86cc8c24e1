# The report's front end (web/report): the chart library comes from the npm registry (pinned in
# web/report/package-lock.json, installed by `npm ci`), the page's own template, script and style
# from web/report/src. All are embedded into autoscale_report at build time.
set(AUTOSCALE_WEB ${PROJECT_SOURCE_DIR}/web/report)
set(AUTOSCALE_UPLOT_DIR ${AUTOSCALE_WEB}/node_modules/uplot/dist)
if(NOT EXISTS ${AUTOSCALE_UPLOT_DIR}/uPlot.iife.min.js)
  find_program(AUTOSCALE_NPM npm)
  if(NOT AUTOSCALE_NPM)
    message(FATAL_ERROR "web/report/node_modules is missing and npm is not installed: run scripts/setup.sh")
  endif()
  message(STATUS "web/report: npm ci (the report's chart library)")
  execute_process(COMMAND ${AUTOSCALE_NPM} ci --no-audit --no-fund WORKING_DIRECTORY ${AUTOSCALE_WEB}
                  RESULT_VARIABLE npm_rc)
  if(NOT npm_rc EQUAL 0 OR NOT EXISTS ${AUTOSCALE_UPLOT_DIR}/uPlot.iife.min.js)
    message(FATAL_ERROR "npm ci in web/report failed: run scripts/setup.sh")
  endif()
endif()

set(report_assets
  report.html=${AUTOSCALE_WEB}/src/report.html
  report.js=${AUTOSCALE_WEB}/src/report.js
  report.css=${AUTOSCALE_WEB}/src/report.css
  fleet.html=${AUTOSCALE_WEB}/src/fleet.html
  fleet.js=${AUTOSCALE_WEB}/src/fleet.js
  uPlot.iife.min.js=${AUTOSCALE_UPLOT_DIR}/uPlot.iife.min.js
  uPlot.min.css=${AUTOSCALE_UPLOT_DIR}/uPlot.min.css)
set(report_asset_files "")
foreach(pair IN LISTS report_assets)
  string(REGEX REPLACE "^[^=]*=" "" file "${pair}")
  list(APPEND report_asset_files ${file})
endforeach()
set(report_assets_cpp ${PROJECT_BINARY_DIR}/generated/report_assets.cpp)
string(REPLACE ";" "|" report_assets_arg "${report_assets}")  # a list cannot cross the command line
add_custom_command(
  OUTPUT ${report_assets_cpp}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${report_assets_cpp} "-DASSETS=${report_assets_arg}"
          -P ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
  DEPENDS ${report_asset_files} ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
  COMMENT "Embedding the report's front end"
  VERBATIM)
target_sources(autoscale_report PRIVATE ${report_assets_cpp})
