# C++ code for src/keda/externalscaler.proto, generated at build time into the build tree and
# compiled into autoscale_keda (its headers stay private to that layer). With
# grpc_python_plugin, the Python stubs too (<build>/keda_py), for the tests' real gRPC client.
set(AUTOSCALE_KEDA_PROTO ${PROJECT_SOURCE_DIR}/src/keda/externalscaler.proto)
set(gen ${PROJECT_BINARY_DIR}/generated/keda)
file(MAKE_DIRECTORY ${gen})
set(cpp ${gen}/externalscaler.pb.cc ${gen}/externalscaler.pb.h ${gen}/externalscaler.grpc.pb.cc ${gen}/externalscaler.grpc.pb.h)
add_custom_command(
  OUTPUT ${cpp}
  COMMAND ${AUTOSCALE_PROTOC} --proto_path=${PROJECT_SOURCE_DIR}/src/keda --cpp_out=${gen} --grpc_out=${gen}
          --plugin=protoc-gen-grpc=${AUTOSCALE_GRPC_CPP_PLUGIN} ${AUTOSCALE_KEDA_PROTO}
  DEPENDS ${AUTOSCALE_KEDA_PROTO}
  COMMENT "protoc: externalscaler.proto (C++)" VERBATIM)
# The generated messages and stubs: a library of their own, linked by autoscale_keda and by the
# gRPC load generator of bench/keda_bench.sh (bench/keda/keda_load.cpp).
add_library(autoscale_keda_proto STATIC ${gen}/externalscaler.pb.cc ${gen}/externalscaler.grpc.pb.cc)
target_include_directories(autoscale_keda_proto PUBLIC ${gen})
target_link_libraries(autoscale_keda_proto PUBLIC PkgConfig::GRPCPP)
# Generated code is not held to the project's warnings.
target_compile_options(autoscale_keda_proto PRIVATE -w)
target_link_libraries(autoscale_keda PRIVATE autoscale_keda_proto)
if(AUTOSCALE_BUILD_BENCH)
  add_executable(autoscale_keda_load ${PROJECT_SOURCE_DIR}/bench/keda/keda_load.cpp)
  target_link_libraries(autoscale_keda_load PRIVATE autoscale_keda_proto Threads::Threads)
  set_target_properties(autoscale_keda_load PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
endif()

find_program(AUTOSCALE_GRPC_PYTHON_PLUGIN grpc_python_plugin)
if(AUTOSCALE_GRPC_PYTHON_PLUGIN)
  set(AUTOSCALE_KEDA_PY ${PROJECT_BINARY_DIR}/keda_py)
  file(MAKE_DIRECTORY ${AUTOSCALE_KEDA_PY})
  add_custom_command(
    OUTPUT ${AUTOSCALE_KEDA_PY}/externalscaler_pb2.py ${AUTOSCALE_KEDA_PY}/externalscaler_pb2_grpc.py
    COMMAND ${AUTOSCALE_PROTOC} --proto_path=${PROJECT_SOURCE_DIR}/src/keda --python_out=${AUTOSCALE_KEDA_PY}
            --grpc_out=${AUTOSCALE_KEDA_PY} --plugin=protoc-gen-grpc=${AUTOSCALE_GRPC_PYTHON_PLUGIN} ${AUTOSCALE_KEDA_PROTO}
    DEPENDS ${AUTOSCALE_KEDA_PROTO}
    COMMENT "protoc: externalscaler.proto (Python stubs)" VERBATIM)
  add_custom_target(autoscale_keda_py ALL DEPENDS ${AUTOSCALE_KEDA_PY}/externalscaler_pb2.py ${AUTOSCALE_KEDA_PY}/externalscaler_pb2_grpc.py)
endif()
