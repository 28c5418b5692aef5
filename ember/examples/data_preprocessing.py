"""Data preprocessing with pandas: read house_tiny.csv, fill missing values, one-hot
encode, and turn the table into tensors.

The notes' "数据预处理" section; the CSV is written into the output folder.
"""
import os

from _common import report, setup


def main():
    args = setup(__doc__)
    import pandas as pd
    import ember as torch

    data_file = os.path.join(args.out, "house_tiny.csv")
    with open(data_file, "w") as f:
        f.write("NumRooms,Alley,Price\n")
        f.write("NA,Pave,127500\n")
        f.write("2,NA,106000\n")
        f.write("4,NA,178100\n")
        f.write("NA,NA,140000\n")
    data = pd.read_csv(data_file)
    print(data)

    inputs, outputs = data.iloc[:, 0:2], data.iloc[:, 2]
    inputs = inputs.fillna(inputs.mean(numeric_only=True))
    inputs = pd.get_dummies(inputs, prefix="转换", prefix_sep="*", columns=["Alley"],
                            dummy_na=True)
    print(inputs)
    # get_dummies makes bool columns: as float, the table converts to one float64 array.
    X = torch.tensor(inputs.to_numpy(dtype=float))
    y = torch.tensor(outputs.to_numpy())
    print(X, y, sep="\n")
    report("X.shape", tuple(X.shape))
    report("X.dtype", X.dtype)
    report("y.dtype", y.dtype)
    report("filled NumRooms", float(X[0, 0]))

    # Exercise: drop the column with the most missing values.
    print(data.drop(data.isnull().sum().idxmax(), axis=1))
    report("column dropped", data.isnull().sum().idxmax())


if __name__ == "__main__":
    main()
