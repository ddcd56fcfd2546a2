print("gregor")
