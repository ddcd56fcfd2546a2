print("gregor-server")
