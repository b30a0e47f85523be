{
  "targets": [
    {
      "target_name": "robust_mutex",
      "sources": ["native/robust-mutex.c", "native/map-file.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
